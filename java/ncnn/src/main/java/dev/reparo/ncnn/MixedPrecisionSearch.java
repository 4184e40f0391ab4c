package dev.reparo.ncnn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.InvalidInputException;
import dev.reparo.Progress;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.image.ImageLoader;
import dev.reparo.io.AtomicFiles;
import dev.reparo.quant.CalibrationTable;
import dev.reparo.quant.QuantizableLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Mixed precision: which int8 layers to keep in FP32 so that the model's outputs stay close enough
 * to FP32. Quality is the mean cosine similarity of the int8 model's outputs to the FP32 model's,
 * over every output and every search image, both run by ncnn. A layer's sensitivity is that cosine
 * with only this layer in int8. Starting from every table layer in int8, the most sensitive layer
 * moves to FP32, one at a time, until the cosine reaches the target or no int8 layer is left.
 * Greedy: each step re-measures the whole model, so interactions between layers count, but the
 * order is fixed by the single-layer sensitivities.
 *
 * <p>Stateless and thread-safe.
 */
public final class MixedPrecisionSearch {
  /**
   * The default target, measured on the demo model (benchmarks/README.md, "INT8: calibration
   * defaults"): with every layer int8 its outputs keep cosine 0.9988-0.9992 and mAP@0.5:0.95 drops
   * 1.1-2.3 pt on three labelled validation sets whatever the threshold method (kl: 3-5 pt); with
   * {@code --method auto}, target 0.9995 (6 of 37 layers FP32) still lost 1.1-1.3 pt, 0.9997 (12)
   * 0.5-0.8 pt, 0.9998 (16) 0.1-0.2 pt. The random-weight test fixtures, whose errors compound through depth, stay far below it
   * in all-int8 and keep many layers FP32 to reach it.
   */
  public static final double DEFAULT_TARGET = 0.9998;

  /** Images the search runs on by default: the first ones of the calibration set. */
  public static final int DEFAULT_IMAGES = 8;

  /**
   * How to search.
   *
   * @param target mean output cosine to reach, in [0, 1]
   * @param images how many of the given images to use (the first that decode)
   * @param threads ncnn threads, 0 for one per core
   * @param detector metadata overrides and input size, as {@code Detector.open} takes them
   */
  public record Options(double target, int images, int threads, DetectorOptions detector,
      Progress progress) {
    public Options {
      if (!(target >= 0 && target <= 1)) {
        throw new InvalidInputException("the mixed-precision cosine target must be in [0, 1], got " + target);
      }
      if (images < 1 || threads < 0) {
        throw new InvalidInputException("mixed-precision search needs images >= 1 and threads >= 0");
      }
    }

    public static Options of(double target) {
      return new Options(target, DEFAULT_IMAGES, 0, DetectorOptions.defaults(), Progress.NONE);
    }

    public Options withImages(int n) {
      return new Options(target, n, threads, detector, progress);
    }

    public Options withThreads(int n) {
      return new Options(target, images, n, detector, progress);
    }

    public Options withDetector(DetectorOptions d) {
      return new Options(target, images, threads, d, progress);
    }

    public Options withProgress(Progress p) {
      return new Options(target, images, threads, detector, p);
    }
  }

  /**
   * @param cosine mean output cosine of the model with only this layer in int8
   */
  public record Sensitivity(String layer, String type, double cosine) {}

  /**
   * A layer moved to FP32.
   *
   * @param modelCosine mean output cosine once it and every layer before it are FP32
   */
  public record Kept(Sensitivity layer, double modelCosine) {}

  /**
   * @param int8Cosine mean output cosine with every table layer in int8
   * @param cosine mean output cosine of the chosen mix
   * @param keptFp32 layers kept in FP32, in the order they were moved (most sensitive first)
   * @param sensitivity every table layer, most sensitive first
   * @param images images measured on
   */
  public record Result(double target, double int8Cosine, double cosine, List<Kept> keptFp32,
      List<Sensitivity> sensitivity, int images) {
    public Result {
      keptFp32 = List.copyOf(keptFp32);
      sensitivity = List.copyOf(sensitivity);
    }

    /** Whether the mix reaches the target (false only when even all-FP32 layers miss it). */
    public boolean reached() {
      return cosine >= target;
    }

    public Set<String> keptLayerNames() {
      Set<String> s = new LinkedHashSet<>();
      keptFp32.forEach(k -> s.add(k.layer().layer()));
      return s;
    }

    /** The result as JSON (the {@code mixed.json} of {@code reparo calibrate --mixed}). */
    public String toJson() {
      ObjectMapper json = new ObjectMapper();
      ObjectNode root = json.createObjectNode();
      root.put("target", target);
      root.put("reached", reached());
      root.put("images", images);
      root.put("int8_layers", sensitivity.size() - keptFp32.size());
      root.put("all_int8_cosine", int8Cosine);
      root.put("cosine", cosine);
      ArrayNode kept = root.putArray("kept_fp32");
      for (Kept k : keptFp32) {
        kept.addObject().put("layer", k.layer().layer()).put("type", k.layer().type())
            .put("cosine_alone_int8", k.layer().cosine()).put("model_cosine_after", k.modelCosine());
      }
      ArrayNode all = root.putArray("sensitivity");
      for (Sensitivity s : sensitivity) {
        all.addObject().put("layer", s.layer()).put("type", s.type()).put("cosine_alone_int8", s.cosine());
      }
      try {
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Writes {@link #toJson()} atomically. */
    public void write(Path file) throws IOException {
      AtomicFiles.write(file, toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  private MixedPrecisionSearch() {}

  /**
   * Chooses the layers of {@code table} to keep in FP32.
   *
   * @param fp32 the converted FP32 model the table was calibrated on
   * @param images search images; the first {@link Options#images()} that decode are used
   * @throws InvalidInputException if the table quantizes none of the model's layers, or no image
   *     decodes
   */
  public static Result search(DeployedModel fp32, CalibrationTable table, List<Path> images, Options options)
      throws IOException {
    Graph lowered = QuantizableLayer.lowered(fp32);
    List<QuantizableLayer> layers = QuantizableLayer.find(lowered).stream().filter(l -> table.quantizes(l.name()))
        .toList();
    if (layers.isEmpty()) {
      throw new InvalidInputException(fp32.dir() + ": the calibration table quantizes none of the model's"
          + " Convolution, ConvolutionDepthWise or InnerProduct layers; there is no int8 layer to keep in FP32");
    }
    List<Tensor> inputs = inputs(fp32, images, options);
    NcnnOptions ncnn = NcnnOptions.builder()
        .threads(options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors()).build();
    Evaluator eval = new Evaluator(lowered, table, inputs, ncnn);

    String phase = "sensitivity";
    List<Sensitivity> sensitivity = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      QuantizableLayer layer = layers.get(l);
      Set<String> others = new LinkedHashSet<>(table.weightLayers());
      others.addAll(table.inputScales().keySet());
      others.remove(layer.name());
      sensitivity.add(new Sensitivity(layer.name(), layer.type(), eval.cosine(others)));
      options.progress().step(phase, l + 1, layers.size());
    }
    // Stable: equally sensitive layers keep graph order; NaN (a broken layer) ranks first.
    List<Sensitivity> ranked = sensitivity.stream()
        .sorted(Comparator.comparingDouble(s -> Double.isNaN(s.cosine()) ? Double.NEGATIVE_INFINITY : s.cosine()))
        .toList();

    phase = "mixed search";
    double int8Cosine = eval.cosine(Set.of());
    double cosine = int8Cosine;
    List<Kept> kept = new ArrayList<>();
    Set<String> fp32Layers = new LinkedHashSet<>();
    for (Sensitivity s : ranked) {
      if (cosine >= options.target()) {
        break;
      }
      fp32Layers.add(s.layer());
      cosine = eval.cosine(fp32Layers);
      kept.add(new Kept(s, cosine));
      options.progress().step(phase, kept.size(), ranked.size());
    }
    options.progress().step(phase, ranked.size(), ranked.size());
    return new Result(options.target(), int8Cosine, cosine, kept, ranked, inputs.size());
  }

  /** Pre-processed search images, as the detection task feeds them. */
  private static List<Tensor> inputs(DeployedModel fp32, List<Path> images, Options options) throws IOException {
    ImagePreprocessing pre = DetectionTask.forModel(fp32, options.detector()).preprocessing();
    List<Tensor> inputs = new ArrayList<>();
    String firstProblem = null;
    for (Path p : images) {
      if (inputs.size() == options.images()) {
        break;
      }
      try {
        inputs.add(pre.apply(ImageLoader.read(p), NcnnLetterbox::letterbox));
      } catch (IOException | ReparoException e) {
        firstProblem = firstProblem == null ? p + ": " + e.getMessage() : firstProblem;
      }
    }
    if (inputs.isEmpty()) {
      throw new InvalidInputException(images.isEmpty() ? "no images given for the mixed-precision search"
          : "none of the " + images.size() + " mixed-precision search images could be decoded; first problem: "
              + firstProblem);
    }
    return inputs;
  }

  /** Variants of one model (some table layers in FP32) against its FP32 outputs. */
  private static final class Evaluator {
    private final CalibrationTable table;
    private final OutputCosine cosine;

    Evaluator(Graph lowered, CalibrationTable table, List<Tensor> inputs, NcnnOptions ncnn) {
      this.table = table;
      this.cosine = new OutputCosine(lowered, inputs, ncnn);
    }

    /** Mean cosine to FP32 over every output and input, with {@code fp32Layers} not quantized. */
    double cosine(Set<String> fp32Layers) {
      return cosine.cosine(table.without(fp32Layers));
    }
  }
}
