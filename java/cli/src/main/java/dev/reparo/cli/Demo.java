package dev.reparo.cli;

import dev.reparo.Progress;
import dev.reparo.ReparoException;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bundled demo: the demo model shipped in this jar (a RepVGG-backbone YOLOv5-Lite-style
 * detector trained on Reparo's synthetic shapes) and sample images drawn by the same seeded
 * generator it was trained on (but a seed it never saw).
 */
final class Demo {
  static final String MODEL_RESOURCE = "/dev/reparo/demo/demo.onnx";
  static final long SAMPLE_SEED = 20261125L;
  static final int SAMPLES = 6;

  /** Where the demo's files are: the model, the sample images, and the output directory. */
  record Bundle(Path dir, Path model, List<Path> images) {}

  private Demo() {}

  /**
   * Extracts the model and draws the samples into {@code dir}; samples already there are reused, a
   * model file is replaced when it is not this jar's model.
   */
  static Bundle prepare(Path dir) throws IOException {
    Path model = dir.resolve("demo.onnx");
    byte[] bundled;
    try (InputStream in = Demo.class.getResourceAsStream(MODEL_RESOURCE)) {
      if (in == null) {
        throw new ReparoException("this build has no bundled demo model (" + MODEL_RESOURCE + ")");
      }
      bundled = in.readAllBytes();
    }
    if (!Files.isRegularFile(model) || Files.size(model) != bundled.length
        || !Arrays.equals(Files.readAllBytes(model), bundled)) {
      AtomicFiles.write(model, bundled);
    }
    Path samples = dir.resolve("samples");
    Path images = samples.resolve(SyntheticDataset.IMAGES);
    if (!Files.isDirectory(images)) {
      new SyntheticDataset(SAMPLE_SEED).write(samples, SAMPLES, Progress.NONE);
    }
    try (Stream<Path> s = Files.list(images)) {
      return new Bundle(dir, model, s.sorted().toList());
    }
  }
}
