package dev.reparo.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoRoundTripTest {
  /** A frame whose blue channel is a horizontal ramp shifted by the frame number, green a vertical ramp. */
  static ByteBuffer gradient(int w, int h, int frame) {
    ByteBuffer b = ByteBuffer.allocateDirect(w * h * 3);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = (y * w + x) * 3;
        b.put(p, (byte) ((x + 8 * frame) & 255));
        b.put(p + 1, (byte) (y & 255));
        b.put(p + 2, (byte) 128);
      }
    }
    return b;
  }

  @Test
  void framesWrittenAreReadBackWithTheirSizeCountRateAndPixels(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ramp.mp4");
    try (VideoOutput out = new VideoOutput(file, 160, 96, 12)) {
      for (int i = 0; i < 7; i++) {
        out.write(gradient(160, 96, i), 160, 96, 160 * 3);
      }
      assertFalse(Files.exists(file), "the video appears only when finished");
      out.finish();
    }
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary file left beside the video");
    }
    try (VideoInput in = VideoInput.open(file)) {
      assertEquals(12.0, in.frameRate(), 1e-6);
      assertEquals(7, in.frameCountHint());
      int n = 0;
      while (in.read()) {
        assertEquals(n, in.frameIndex());
        assertEquals(160, in.frameWidth());
        assertEquals(96, in.frameHeight());
        ByteBuffer got = in.bgr();
        assertTrue(got.isDirect());
        ByteBuffer want = gradient(160, 96, n);
        long diff = 0;
        for (int i = 0; i < want.capacity(); i++) {
          diff += Math.abs((got.get(i) & 255) - (want.get(i) & 255));
        }
        double mean = diff / (double) want.capacity();
        assertTrue(mean < 6, "frame " + n + " decodes close to what was encoded: mean |diff| " + mean);
        n++;
      }
      assertEquals(7, n);
    }
  }

  @Test
  void imagesWrittenAreReadBackAsImages(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("images.mp4");
    // Not BGR (INT_RGB), so write(BufferedImage) converts it: left half red, right half blue.
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        img.setRGB(x, y, x < 32 ? 0xE02020 : 0x2020E0);
      }
    }
    try (VideoOutput out = new VideoOutput(file, 64, 48, 10)) {
      out.write(img);
      out.write(img);
      out.finish();
      assertEquals(2, out.frames());
    }
    assertEquals(2, eachFrame(file, in -> {
      BufferedImage got = in.image();
      assertEquals(BufferedImage.TYPE_3BYTE_BGR, got.getType());
      assertEquals(64, got.getWidth());
      assertEquals(48, got.getHeight());
      int left = got.getRGB(8, 24);
      int right = got.getRGB(56, 24);
      assertTrue(((left >> 16) & 255) > 180 && (left & 255) < 80, "left is red: " + Integer.toHexString(left));
      assertTrue((right & 255) > 180 && ((right >> 16) & 255) < 80, "right is blue: " + Integer.toHexString(right));
    }));
  }

  /** 446 px rows (not a multiple of swscale's blocks) once corrupted the heap when decoded to BGR. */
  @Test
  void framesOfAWidthThatIsNoMultipleOf16DecodeWithoutOverrunningTheirBuffer(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("wide.mp4");
    try (VideoOutput out = new VideoOutput(file, 446, 628, 5)) {
      for (int i = 0; i < 3; i++) {
        out.write(gradient(446, 628, i), 446, 628, 446 * 3);
      }
      out.finish();
    }
    for (int round = 0; round < 20; round++) {
      assertEquals(3, eachFrame(file, in -> assertEquals(446, in.image().getWidth())));
    }
    // Allocations after the decoding: glibc aborts the JVM here if a chunk's header was overwritten.
    for (int i = 0; i < 200; i++) {
      new org.bytedeco.javacpp.BytePointer(1 + i * 997L).close();
    }
  }

  @Test
  void oddSizesAreRoundedDownToEvenAndOtherFrameSizesScaled(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("odd.avi");
    try (VideoOutput out = new VideoOutput(file, 101, 51, 25)) {
      assertEquals(100, out.width());
      assertEquals(50, out.height());
      out.write(gradient(101, 51, 0), 101, 51, 101 * 3);
      out.write(gradient(64, 64, 1), 64, 64, 64 * 3);
      out.finish();
    }
    assertEquals(2, eachFrame(file, in -> {
      assertEquals(100, in.frameWidth());
      assertEquals(50, in.frameHeight());
    }));
  }

  /** Reads every frame of {@code file}, calling {@code check} on each; returns how many there were. */
  private static int eachFrame(Path file, java.util.function.Consumer<VideoInput> check) {
    try (VideoInput in = VideoInput.open(file)) {
      int n = 0;
      while (in.read()) {
        check.accept(in);
        n++;
      }
      return n;
    }
  }

  @Test
  void anUnfinishedVideoLeavesNoFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("gone.mkv");
    try (VideoOutput out = new VideoOutput(file, 32, 32, 25)) {
      out.write(gradient(32, 32, 0), 32, 32, 96);
    }
    try (var s = Files.list(dir)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void badInputsAreNamedInTheError(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.mp4");
    assertTrue(assertThrows(VideoException.class, () -> VideoInput.open(missing)).getMessage()
        .contains(missing + ": no such file"));
    Path empty = Files.createFile(dir.resolve("empty.mp4"));
    assertTrue(assertThrows(VideoException.class, () -> VideoInput.open(empty)).getMessage()
        .contains(empty + ": empty file"));
    Path junk = dir.resolve("junk.mp4");
    byte[] bytes = new byte[4096];
    new java.util.Random(3).nextBytes(bytes);
    Files.write(junk, bytes);
    String m = assertThrows(VideoException.class, () -> VideoInput.open(junk)).getMessage();
    assertTrue(m.startsWith(junk + ": "), m);
    assertThrows(VideoException.class, () -> new VideoOutput(dir.resolve("x.gif"), 32, 32, 25));
  }

  @Test
  void anAbsentCameraIsReportedWithoutTouchingFfmpeg() {
    // The error path, not a skip: no /dev/video99 on a test machine.
    assertFalse(Files.exists(Path.of("/dev/video99")), "test premise: no camera 99");
    String m = assertThrows(VideoException.class, () -> VideoInput.camera(99)).getMessage();
    assertEquals("camera 99 (/dev/video99): no such device; no camera with this index is attached"
        + " (a camera appears as /dev/videoN when its driver is loaded)", m);
  }
}
