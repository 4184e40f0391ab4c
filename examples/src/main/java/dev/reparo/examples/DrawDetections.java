package dev.reparo.examples;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.draw.DetectionPainter;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Detects objects in an image and writes a PNG with their boxes and labels drawn
 * ({@code DetectionPainter}, in reparo-core).
 *
 * <pre>java -cp ... dev.reparo.examples.DrawDetections demo.onnx street.jpg boxes.png</pre>
 */
public final class DrawDetections {
  private DrawDetections() {}

  /** Writes {@code image} with its detections drawn to {@code png} (whole or not at all); returns them. */
  public static List<Detection> draw(Path model, Path image, Path png) throws IOException {
    BufferedImage pixels = ImageLoader.read(image);
    List<Detection> dets;
    try (Detector detector = Detector.open(model, DetectorOptions.builder().confThreshold(0.4f).threads(1).build())) {
      dets = detector.detect(pixels);
    }
    Path tmp = Files.createTempFile(png.toAbsolutePath().getParent(), ".draw-", ".png");
    try {
      if (!ImageIO.write(DetectionPainter.paint(pixels, dets), "png", tmp.toFile())) {
        throw new IOException("no PNG writer");
      }
      Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return dets;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: DrawDetections MODEL IMAGE OUT.png");
      System.exit(2);
    }
    System.out.println(draw(Path.of(args[0]), Path.of(args[1]), Path.of(args[2])).size() + " detections drawn");
  }
}
