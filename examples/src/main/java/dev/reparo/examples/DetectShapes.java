package dev.reparo.examples;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * The smallest Reparo application: open a model (an exported .onnx is converted and cached on
 * first use) and detect objects in an image.
 *
 * <pre>java -cp ... dev.reparo.examples.DetectShapes demo.onnx street.jpg</pre>
 */
public final class DetectShapes {
  private DetectShapes() {}

  /** Detections in {@code image}, best first. */
  public static List<Detection> detect(Path model, Path image) {
    DetectorOptions options = DetectorOptions.builder().confThreshold(0.4f).threads(1).build();
    try (Detector detector = Detector.open(model, options)) {
      return detector.detect(image);
    }
  }

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: DetectShapes MODEL IMAGE");
      System.exit(2);
    }
    for (Detection d : detect(Path.of(args[0]), Path.of(args[1]))) {
      System.out.printf("%-8s %.2f  x %.0f y %.0f  w %.0f h %.0f%n", d.label(), d.score(), d.x1(), d.y1(), d.width(),
          d.height());
    }
  }
}
