package dev.reparo.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.data.LabeledDataset;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.detect.Detection;
import dev.reparo.detect.draw.DetectionPainter;
import dev.reparo.image.ImageLoader;
import dev.reparo.video.VideoInput;
import dev.reparo.video.VideoOutput;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drawing (reparo-core) and video (reparo-video) APIs as an application uses them, installed jars only. */
class DrawAndVideoTest {
  private static final Path MODEL = Path.of(System.getProperty("demo.model"));

  private static Path sample(Path dir) throws Exception {
    new SyntheticDataset(11).write(dir.resolve("sample"), 1, null);
    return LabeledDataset.open(dir.resolve("sample/annotations.json")).images().get(0).file();
  }

  @Test
  void detectionsAreDrawnIntoAPngInTheirClassColours(@TempDir Path dir) throws Exception {
    Path image = sample(dir);
    Path png = dir.resolve("boxes.png");
    List<Detection> dets = DrawDetections.draw(MODEL, image, png);
    assertFalse(dets.isEmpty(), "the demo model finds the sample's shapes");
    BufferedImage drawn = ImageIO.read(png.toFile());
    BufferedImage original = ImageLoader.read(image);
    assertEquals(original.getWidth(), drawn.getWidth());
    // The box drawn last (others may cross earlier ones): the middle of its bottom edge is in its
    // class's colour (a lossless PNG).
    Detection d = dets.get(dets.size() - 1);
    int x = Math.round((d.x1() + d.x2()) / 2);
    int y = Math.min(Math.round(d.y1()) + Math.round(d.height()), drawn.getHeight() - 1);
    assertEquals(DetectionPainter.colorOf(d.classId()).getRGB() & 0xFFFFFF, drawn.getRGB(x, y) & 0xFFFFFF,
        "edge of " + d);
    assertEquals(original.getRGB(0, 0), drawn.getRGB(0, 0), "the rest of the picture as it was");
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "the PNG and the sample directory, no temporary file");
    }
  }

  @Test
  void everyFrameOfAVideoIsAnnotated(@TempDir Path dir) throws Exception {
    BufferedImage frame = ImageLoader.read(sample(dir));
    Path in = dir.resolve("in.mp4");
    try (VideoOutput out = new VideoOutput(in, frame.getWidth(), frame.getHeight(), 5)) {
      for (int i = 0; i < 3; i++) {
        out.write(frame);
      }
      out.finish();
    }
    Path annotated = dir.resolve("boxes.mp4");
    List<Integer> counts;
    try (VideoInput video = VideoInput.open(in)) {
      counts = AnnotateVideo.annotate(MODEL, video, annotated);
    }
    assertEquals(3, counts.size());
    assertTrue(counts.stream().allMatch(n -> n > 0), "objects found in every frame: " + counts);
    try (VideoInput check = VideoInput.open(annotated)) {
      int n = 0;
      while (check.read()) {
        n++;
      }
      assertEquals(3, n);
      assertEquals(frame.getWidth() / 2 * 2, check.frameWidth());
    }
  }
}
