package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.detect.Detection;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnnotatedImagesTest {
  private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};
  private static final List<Detection> BOX = List.of(new Detection(10, 10, 50, 40, 0.8f, 1, "square"));

  private static BufferedImage gradient() {
    BufferedImage img = new BufferedImage(96, 64, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 96; x++) {
        img.setRGB(x, y, (x * 2) << 16 | (y * 3) << 8 | 128);
      }
    }
    return img;
  }

  private static void assertStartsWith(byte[] magic, Path file) throws Exception {
    byte[] head = Arrays.copyOf(Files.readAllBytes(file), magic.length);
    assertArrayEquals(magic, head, file + " is not of the expected format");
  }

  @Test
  void autoWritesJpegForJpegAndPngForEverythingElse(@TempDir Path dir) throws Exception {
    try (AnnotatedImages w = new AnnotatedImages(dir, AnnotatedImages.Format.AUTO, 2)) {
      for (String name : List.of("a.jpg", "b.JPEG", "c.png", "d.bmp", "e.tif")) {
        w.write(Path.of("src", name), gradient(), BOX);
      }
      w.finish();
    }
    assertStartsWith(JPEG_MAGIC, dir.resolve("a.jpg"));
    assertStartsWith(JPEG_MAGIC, dir.resolve("b.jpg"));
    assertStartsWith(PNG_MAGIC, dir.resolve("c.png"));
    assertStartsWith(PNG_MAGIC, dir.resolve("d.png"));
    assertStartsWith(PNG_MAGIC, dir.resolve("e.png"));
    try (var s = Files.list(dir)) {
      assertEquals(5, s.count(), "five files and no temporary ones");
    }
    BufferedImage back = ImageIO.read(dir.resolve("a.jpg").toFile());
    assertEquals(96, back.getWidth());
    assertEquals(64, back.getHeight());
  }

  @Test
  void outputFormatOptionOverridesTheSourceFormat(@TempDir Path dir) throws Exception {
    try (AnnotatedImages png = new AnnotatedImages(dir.resolve("png"), AnnotatedImages.Format.parse("png"), 0);
        AnnotatedImages jpg = new AnnotatedImages(dir.resolve("jpg"), AnnotatedImages.Format.parse("JPG"), 0)) {
      png.write(Path.of("x.jpg"), gradient(), BOX);
      jpg.write(Path.of("y.png"), gradient(), List.of());
    }
    assertStartsWith(PNG_MAGIC, dir.resolve("png/x.png"));
    assertStartsWith(JPEG_MAGIC, dir.resolve("jpg/y.jpg"));
    assertEquals(AnnotatedImages.Format.JPEG, AnnotatedImages.Format.parse("jpeg"));
    CliException e = assertThrows(CliException.class, () -> AnnotatedImages.Format.parse("webp"));
    assertTrue(e.getMessage().contains("auto, jpg or png"), e.getMessage());
  }

  @Test
  void jpegQualityKeepsTheDrawnBoxAndThePixels() throws Exception {
    BufferedImage src = new BufferedImage(800, 400, BufferedImage.TYPE_3BYTE_BGR);
    java.awt.Graphics2D g = src.createGraphics();
    g.setColor(new java.awt.Color(128, 128, 128));
    g.fillRect(0, 0, 800, 400);
    g.dispose();
    List<Detection> box = List.of(new Detection(100, 100, 500, 300, 0.8f, 1, "square"));
    byte[] jpeg = AnnotatedImages.encode(src, box, AnnotatedImages.Format.JPEG);
    BufferedImage back = ImageIO.read(new java.io.ByteArrayInputStream(jpeg));
    // Away from the box the grey survives quality 90 within a few levels.
    for (int shift : new int[] {0, 8, 16}) {
      int v = back.getRGB(700, 350) >> shift & 0xff;
      assertTrue(Math.abs(v - 128) <= 4, "grey decoded as " + v);
    }
    // The box's right edge (2 px at this size) is drawn in its class colour (red 0x2C), not grey.
    double red = 0;
    for (int y = 200; y < 260; y++) {
      red += (back.getRGB(500, y) >> 16 & 0xff) / 60.0;
    }
    assertTrue(red < 90, "box edge drawn: mean red " + red);
  }
}
