package dev.reparo.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.detect.Letterbox;
import dev.reparo.ncnn.Ncnn;
import dev.reparo.ncnn.PixelFormat;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ONNX Runtime letterbox against ncnn's native one (an independent implementation of the same
 * fixed-point resize, in C++): every value must be identical, padding, copied and resized pixels
 * alike. With a non-zero mean the last step may differ by a rounding: ncnn's SIMD path computes
 * {@code fma(level, norm, -mean·norm)}, ONNX Runtime {@code (level − mean)·norm}; there a few ulps
 * are allowed, which is far below one 8-bit level.
 */
class OrtLetterboxTest {
  static OrtLetterbox letterbox;

  @BeforeAll
  static void open() {
    letterbox = new OrtLetterbox(OrtEnvironment.getEnvironment());
  }

  @AfterAll
  static void close() {
    letterbox.close();
  }

  /** Smooth gradients plus noise: a resize that picked the wrong neighbours would be far off. */
  static ByteBuffer image(int w, int h, int stride, boolean direct, long seed) {
    Random rng = new Random(seed);
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(stride * h) : ByteBuffer.allocate(stride * h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < stride; x++) {
        int c = x % 3;
        int v = x < w * 3 ? (x * 7 + y * (3 + c) + rng.nextInt(24)) & 0xFF : 0xEE; // row padding: 0xEE
        b.put(y * stride + x, (byte) v);
      }
    }
    return b;
  }

  @ParameterizedTest(name = "{0}x{1} stride {2} -> {3}x{4} rgb={5} direct={6} imagenet={7}")
  @CsvSource({
      "640, 480, 1920, 320, 320, true, true, false",    // exact halving, pad top/bottom
      "333, 517, 1008, 320, 320, true, false, false",   // odd sizes, row padding, heap buffer
      "320, 200, 960, 320, 320, false, true, false",    // no resize, BGR kept
      "100, 60, 300, 320, 256, true, true, false",      // upscaling
      "640, 360, 1920, 320, 320, true, true, true"})    // per-channel mean/std
  void matchesNcnnNativeLetterbox(int w, int h, int stride, int iw, int ih, boolean rgb, boolean direct,
      boolean imagenet) {
    ByteBuffer px = image(w, h, stride, direct, w * 31L + h);
    Letterbox box = Letterbox.fixed(w, h, iw, ih);
    float scale = 1f / 255f;
    // (level·scale − mean)/std written as (level − mean/scale)·(scale/std), as ModelMetadata does.
    float[] mean = imagenet ? new float[] {0.485f / scale, 0.456f / scale, 0.406f / scale} : new float[3];
    float[] norm = imagenet ? new float[] {scale / 0.229f, scale / 0.224f, scale / 0.225f}
        : new float[] {scale, scale, scale};
    Tensor ort = letterbox.apply(px, w, h, stride, box, rgb, 114f, mean, norm);
    Tensor ncnn = Ncnn.letterbox(px, PixelFormat.BGR, rgb, w, h, stride, box, 114f, mean, norm);
    assertArrayEquals(new int[] {1, 3, ih, iw}, ort.shape());
    assertArrayEquals(new int[] {3, ih, iw}, ncnn.shape());
    float[] a = ort.data();
    float[] b = ncnn.data();
    int differing = 0;
    String firstDifference = null;
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < ih; y++) {
        for (int x = 0; x < iw; x++) {
          int i = (c * ih + y) * iw + x;
          boolean pad = x < box.padLeft() || x >= box.padLeft() + box.resizedWidth() || y < box.padTop()
              || y >= box.padTop() + box.resizedHeight();
          if (pad) {
            assertEquals((114f - mean[c]) * norm[c], a[i], 4 * Math.ulp(1f), "padding at c" + c + " y" + y + " x" + x);
          }
          float allowed = imagenet ? 4 * Math.ulp(Math.max(Math.abs(a[i]), 1f)) : 0f;
          boolean differs = Math.abs(a[i] - b[i]) > allowed;
          if (differs && firstDifference == null) {
            firstDifference = "c" + c + " y" + y + " x" + x + ": ort " + a[i] + " ncnn " + b[i];
          }
          differing += differs ? 1 : 0;
        }
      }
    }
    assertEquals(0, differing, differing + " of " + a.length + " values differ, first at " + firstDifference);
  }

  @Test
  void shortBufferIsRejected() {
    Letterbox box = Letterbox.fixed(64, 64, 320, 320);
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> letterbox.apply(ByteBuffer.allocate(64 * 64 * 3 - 1), 64, 64, 192, box, true, 114, new float[3], new float[] {1, 1, 1}));
    assertTrue(e.getMessage().contains("need 12288 bytes"), e.getMessage());
    assertThrows(InvalidInputException.class,
        () -> letterbox.apply(ByteBuffer.allocate(64 * 64 * 3), 64, 64, 100, box, true, 114, new float[3], new float[] {1, 1, 1}));
    assertThrows(InvalidInputException.class,
        () -> letterbox.apply(ByteBuffer.allocate(64 * 64 * 3), 64, 32, 192, box, true, 114, new float[3], new float[] {1, 1, 1}));
  }

  @Test
  void tightlyCutLastRowIsRead() {
    int w = 50;
    int h = 40;
    int stride = 160;
    ByteBuffer full = image(w, h, stride, false, 7);
    ByteBuffer tight = full.duplicate().limit(stride * (h - 1) + w * 3).slice();
    Letterbox box = Letterbox.fixed(w, h, 64, 64);
    assertArrayEquals(letterbox.apply(full, w, h, stride, box, true, 114, new float[3], new float[] {1, 1, 1}).data(),
        letterbox.apply(tight, w, h, stride, box, true, 114, new float[3], new float[] {1, 1, 1}).data());
  }
}
