package dev.reparo.cli;

import dev.reparo.Tensor;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.graph.Graph;
import dev.reparo.image.ImageLoader;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnxruntime.GraphTap;
import dev.reparo.onnxruntime.ImageLetterbox;
import dev.reparo.quant.BatchNormStatistics;
import dev.reparo.quant.DistributionShift;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Do the calibration images look like the model's training images? Runs the training-form ONNX
 * (BatchNorm not yet fused) on ONNX Runtime over the first {@link #MAX_IMAGES} calibration images,
 * with detect's own pre-processing, and compares every BatchNorm's input with its running
 * statistics ({@link DistributionShift}).
 */
final class TrainingDistributionCheck {
  /** Images looked at: the statistics settle well before (the demo model's summary moved < 0.01 from 16 to 32). */
  static final int MAX_IMAGES = 32;

  private TrainingDistributionCheck() {}

  /** The report, or why there is none ({@code unavailable}, an informational sentence). */
  record Outcome(DistributionShift.Report report, String unavailable) {}

  /**
   * @param model what the user gave calibrate: a training-form .onnx has BatchNorm statistics
   * @param pre detect's pre-processing for the model
   */
  static Outcome measure(Path model, ImagePreprocessing pre, List<Path> images) {
    String name = model.getFileName() == null ? "" : model.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!name.endsWith(".onnx") || !Files.isRegularFile(model)) {
      return new Outcome(null, "the model was given converted (BatchNorm already fused); calibrate its .onnx to"
          + " compare the images with the BatchNorm statistics of training");
    }
    Graph graph = Onnx.read(model);
    List<BatchNormStatistics> stats = BatchNormStatistics.find(graph);
    if (stats.isEmpty()) {
      return new Outcome(null, "the model has no BatchNormalization (already fused into its convolutions), so it"
          + " carries no training statistics to compare the images with");
    }
    DistributionShift shift = new DistributionShift(stats);
    List<String> inputs = new ArrayList<>();
    for (BatchNormStatistics s : stats) {
      if (!inputs.contains(s.input())) {
        inputs.add(s.input());
      }
    }
    try (GraphTap tap = GraphTap.open(BatchNormStatistics.tapped(graph, stats), model.toString());
        ImageLetterbox letterbox = new ImageLetterbox()) {
      for (Path p : images) {
        if (shift.images() >= MAX_IMAGES) {
          break;
        }
        BufferedImage image;
        try {
          image = ImageLoader.read(p);
        } catch (IOException | RuntimeException e) {
          continue; // calibration reports undecodable images itself
        }
        Tensor x = pre.apply(image, letterbox::apply);
        Map<String, Tensor> values = tap.run(x, inputs);
        for (int l = 0; l < stats.size(); l++) {
          shift.add(l, values.get(stats.get(l).input()));
        }
        shift.countImage();
      }
    }
    if (shift.images() == 0) {
      return new Outcome(null, "none of the images could be decoded");
    }
    return new Outcome(shift.report(), null);
  }
}
