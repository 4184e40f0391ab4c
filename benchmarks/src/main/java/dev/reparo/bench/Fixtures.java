package dev.reparo.bench;

import dev.reparo.detect.DetectorOptions;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the benchmarks find the PyTorch-exported fixtures: -Dreparo.fixtures, else the repo's. */
final class Fixtures {
  private Fixtures() {}

  static Path dir(String name) {
    Path root = Path.of(System.getProperty("reparo.fixtures", "java/core/src/test/resources/fixtures"));
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(dir.toAbsolutePath() + " not found: run from the repository root or set "
          + "-Dreparo.fixtures=DIR");
    }
    return dir;
  }

  /**
   * The bundled demo model (trained, with its metadata): unlike the random-weight fixtures, whose
   * raw outputs put thousands of anchors over any threshold, it finds what is in the picture, so
   * post-processing costs what it costs on a real model.
   */
  static Path demoModel() {
    Path model = Path.of(System.getProperty("reparo.demo", "java/cli/src/main/resources/dev/reparo/demo/demo.onnx"));
    if (!Files.isRegularFile(model)) {
      throw new IllegalStateException(model.toAbsolutePath() + " not found: run from the repository root or set "
          + "-Dreparo.demo=FILE");
    }
    return model;
  }

  /** Options carrying the metadata the detector fixtures lack (six shape classes, YOLOv5 anchors). */
  static DetectorOptions.Builder detectorOptions() {
    return DetectorOptions.builder()
        .metadata("names", "[\"circle\",\"square\",\"triangle\",\"ring\",\"cross\",\"star\"]")
        .metadata("strides", "[8,16,32]")
        .metadata("anchors", "[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]");
  }

  /** A 640x480 BGR test image: a disk on a grey background. */
  static BufferedImage scene() {
    BufferedImage image = new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, 640, 480);
    g.setColor(Color.ORANGE);
    g.fillOval(200, 150, 120, 120);
    g.dispose();
    return image;
  }
}
