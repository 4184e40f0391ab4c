package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import dev.reparo.detect.Letterbox;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NcnnTest {
  @Test
  void reportsVersionAndCpus() {
    assertTrue(Ncnn.version().matches("\\d+\\.\\d+\\.\\d+"), Ncnn.version());
    assertTrue(Ncnn.cpuCount() >= 1);
    assertTrue(Ncnn.physicalCpuCount() >= 1 && Ncnn.physicalCpuCount() <= Ncnn.cpuCount());
    assertTrue(Ncnn.defaultThreads() >= 1);
  }

  /** Built from native/ncnn.lock, the library must report that release, not its build date. */
  @Test
  void reportsThePinnedReleaseWhenBuiltFromSource() throws Exception {
    String home = System.getProperty("reparo.ncnn.home", "");
    String version = Ncnn.version();
    if (home.isEmpty()) {
      String lock = Files.readString(Path.of(System.getProperty("reparo.ncnn.lock")));
      String pinned = lock.lines().filter(l -> l.startsWith("NCNN_VERSION=")).findFirst().orElseThrow()
          .substring("NCNN_VERSION=".length());
      assertEquals(pinned, version);
    } else {
      assertTrue(version.matches("\\d+\\.\\d+\\.\\d+"), "preinstalled ncnn at " + home + ": " + version);
    }
  }

  /**
   * The kernel's own view of the CPU is the oracle for what ncnn detected. Under qemu's user-mode
   * emulation (the isa-emulation profile) /proc/cpuinfo is the host's, so the profile names what
   * the emulated CPU must show in {@code reparo.expect.isa} ("x86_avx2 -x86_avx512": present, and
   * '-' absent): an emulation that silently ran the host's kernels fails here.
   */
  @Test
  void detectedFeaturesAgreeWithProcCpuinfo() throws Exception {
    List<String> features = Ncnn.cpuFeatures();
    System.out.println("ncnn dispatches to: " + (features.isEmpty() ? "(baseline only)" : String.join(" ", features)));
    String expected = System.getProperty("reparo.expect.isa", "").trim();
    if (!expected.isEmpty()) {
      for (String f : expected.split("\\s+")) {
        boolean absent = f.startsWith("-");
        String name = absent ? f.substring(1) : f;
        assertEquals(!absent, features.contains(name), name + " in " + features + " (expected: " + expected + ")");
      }
      return;
    }
    Path cpuinfo = Path.of("/proc/cpuinfo");
    String arch = System.getProperty("os.arch");
    if (!Files.isReadable(cpuinfo) || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return; // the flag names below are x86's
    }
    List<String> flags = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags"))
        .findFirst().map(l -> Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
        .orElseThrow();
    assertEquals(flags.contains("avx2"), features.contains("x86_avx2"), features.toString());
    assertEquals(flags.contains("fma"), features.contains("x86_fma"), features.toString());
    assertEquals(flags.contains("avx512_vnni") && flags.contains("avx512f"),
        features.contains("x86_avx512_vnni"), features.toString());
  }

  @Test
  void fromPixelsAtTheSameSizeKeepsValuesAsPlanes() {
    int w = 5;
    int h = 3;
    byte[] bgr = new byte[w * h * 3];
    for (int i = 0; i < bgr.length; i++) {
      bgr[i] = (byte) (i * 7);
    }
    Tensor t = Ncnn.fromPixelsResize(bgr, PixelFormat.BGR, w, h, w * 3, w, h);
    assertArrayEquals(new int[] {3, h, w}, t.shape());
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(bgr[(y * w + x) * 3 + c] & 0xff, t.data()[(c * h + y) * w + x], 0f);
        }
      }
    }
  }

  @Test
  void resizingAFlatImageKeepsItFlat() {
    int w = 40;
    int h = 30;
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = 10;
      rgb[i + 1] = (byte) 200;
      rgb[i + 2] = 77;
    }
    Tensor t = Ncnn.fromPixelsResize(rgb, PixelFormat.RGB, w, h, w * 3, 17, 11);
    assertArrayEquals(new int[] {3, 11, 17}, t.shape());
    float[] expected = {10, 200, 77};
    for (int i = 0; i < t.size(); i++) {
      assertEquals(expected[i / (11 * 17)], t.data()[i], 1e-3f);
    }
  }

  @Test
  void shortPixelBufferIsRejectedBeforeNativeCode() {
    var e = assertThrows(InvalidInputException.class,
        () -> Ncnn.fromPixelsResize(new byte[10], PixelFormat.BGR, 4, 4, 12, 2, 2));
    assertTrue(e.getMessage().contains("need 48 bytes, got 10"), e.getMessage());
  }

  @Test
  void letterboxPadsConvertsAndScales() {
    // 6x4 BGR image, each pixel distinct; input 8x8 at scale 1 so the resize is an identity and
    // every value can be predicted exactly: rows 2..5 hold the image as RGB/255, the rest 114/255.
    int w = 6;
    int h = 4;
    byte[] bgr = new byte[w * h * 3];
    for (int i = 0; i < bgr.length; i++) {
      bgr[i] = (byte) (i * 5 + 1);
    }
    Letterbox box = new Letterbox(w, h, 8, 8, 1f, w, h, 1, 2);
    for (boolean direct : new boolean[] {false, true}) {
      ByteBuffer buf = direct ? ByteBuffer.allocateDirect(bgr.length).put(bgr).flip() : ByteBuffer.wrap(bgr);
      Tensor t = Ncnn.letterbox(buf, PixelFormat.BGR, true, w, h, w * 3, box, 114f, null, new float[] {1f / 255, 1f / 255, 1f / 255});
      assertArrayEquals(new int[] {3, 8, 8}, t.shape());
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 8; y++) {
          for (int x = 0; x < 8; x++) {
            int ix = x - 1;
            int iy = y - 2;
            float expected = ix < 0 || ix >= w || iy < 0 || iy >= h
                ? 114f / 255
                : (bgr[(iy * w + ix) * 3 + (2 - c)] & 0xff) / 255f;
            assertEquals(expected, t.data()[(c * 8 + y) * 8 + x], 1e-6f, "c" + c + " y" + y + " x" + x);
          }
        }
      }
    }
  }

  @Test
  void onePassLetterboxEqualsNcnnsThreeCallsBitForBit() {
    // A 101x67 image (odd sizes, a row stride with slack) read from an offset inside a heap array
    // and from a direct buffer, down- and up-scaled, with and without BGR->RGB and a mean.
    int w = 101;
    int h = 67;
    int stride = w * 3 + 5;
    byte[] backing = new byte[7 + stride * h];
    new java.util.Random(42).nextBytes(backing);
    ByteBuffer heap = ByteBuffer.wrap(backing).position(7).slice();
    ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining()).put(heap.duplicate()).flip();
    float[] norm = {1 / 58.395f, 1 / 57.12f, 1 / 57.375f};
    float[][] means = {null, {123.675f, 116.28f, 103.53f}};
    Letterbox[] boxes = {Letterbox.fixed(w, h, 64, 64), Letterbox.fixed(w, h, 320, 320), Letterbox.minimal(w, h, 96, 32)};
    for (Letterbox box : boxes) {
      for (float[] mean : means) {
        for (boolean swap : new boolean[] {false, true}) {
          float[] expected = toTensor(Ncnn.letterboxMatByNcnnCalls(heap, PixelFormat.BGR, swap, w, h, stride, box, 114f,
              mean, norm)).data();
          for (ByteBuffer pixels : new ByteBuffer[] {heap, direct}) {
            float[] actual = toTensor(Ncnn.letterboxMat(pixels, PixelFormat.BGR, swap, w, h, stride, box, 114f, mean,
                norm)).data();
            String what = box + " mean " + java.util.Arrays.toString(mean) + " swap " + swap + " direct "
                + pixels.isDirect();
            assertEquals(expected.length, actual.length, what);
            for (int i = 0; i < expected.length; i++) {
              if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", ncnn's calls give "
                    + expected[i]);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void aOnePixelImageFillsItsResizedAreaWithItsColour() {
    // ncnn's own resize reads outside a 1-pixel row or column; the one-pass letterbox repeats it.
    byte[] bgr = {10, 20, 30};
    Letterbox box = Letterbox.fixed(1, 1, 8, 8);
    Tensor t = Ncnn.letterbox(ByteBuffer.wrap(bgr), PixelFormat.BGR, true, 1, 1, 3, box, 114f, null,
        new float[] {1f, 1f, 1f});
    for (int c = 0; c < 3; c++) {
      for (int y = box.padTop(); y < box.padTop() + box.resizedHeight(); y++) {
        for (int x = box.padLeft(); x < box.padLeft() + box.resizedWidth(); x++) {
          assertEquals(bgr[2 - c], t.data()[(c * 8 + y) * 8 + x], "c" + c + " y" + y + " x" + x);
        }
      }
    }
  }

  private static Tensor toTensor(dev.reparo.ncnn.bridge.ncnn_mat mat) {
    try {
      return Mats.toTensor(mat, "letterbox");
    } finally {
      dev.reparo.ncnn.global.ncnn.ncnn_mat_destroy(mat);
    }
  }

  @Test
  void letterboxChecksItsGeometryBeforeNativeCode() {
    Letterbox box = Letterbox.fixed(10, 10, 32, 32);
    var e = assertThrows(InvalidInputException.class,
        () -> Ncnn.letterbox(ByteBuffer.allocate(300), PixelFormat.BGR, true, 10, 12, 30, box, 114f, null, new float[] {1f, 1f, 1f}));
    assertTrue(e.getMessage().contains("computed for a 10x10 image"), e.getMessage());
    e = assertThrows(InvalidInputException.class,
        () -> Ncnn.letterbox(ByteBuffer.allocate(299), PixelFormat.BGR, true, 10, 10, 30, box, 114f, null, new float[] {1f, 1f, 1f}));
    assertTrue(e.getMessage().contains("need 300 bytes, got 299"), e.getMessage());
  }

  @Test
  void letterboxSubtractsMeanAndScalesPerChannel() {
    byte[] bgr = new byte[2 * 2 * 3];
    java.util.Arrays.fill(bgr, (byte) 100);
    Letterbox box = new Letterbox(2, 2, 2, 2, 1f, 2, 2, 0, 0);
    Tensor t = Ncnn.letterbox(ByteBuffer.wrap(bgr), PixelFormat.BGR, false, 2, 2, 6, box, 114f,
        new float[] {10f, 20f, 30f}, new float[] {0.5f, 0.25f, 2f});
    float[] expected = {(100 - 10) * 0.5f, (100 - 20) * 0.25f, (100 - 30) * 2f};
    for (int i = 0; i < t.size(); i++) {
      assertEquals(expected[i / 4], t.data()[i], 1e-4f);
    }
  }

  /**
   * libgomp's idle threads sleep rather than spin on a virtual machine, unless the user's
   * environment says otherwise; elsewhere libgomp's default stays.
   */
  @Test
  void openMpThreadsWaitPassivelyOnVirtualMachinesUnlessTheEnvironmentSaysOtherwise() throws Exception {
    String policy = Ncnn.openMpWaitPolicy();
    String inherited = System.getenv(OpenMpWaitPolicy.VARIABLE);
    String now = dev.reparo.ncnn.process.ProcessEnv.get(OpenMpWaitPolicy.VARIABLE);
    boolean vm = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
        .anyMatch(l -> l.startsWith("flags") && l.matches(".*\\bhypervisor\\b.*"));
    assertEquals(vm, OpenMpWaitPolicy.onVirtualMachine());
    if (inherited != null) {
      assertEquals(inherited, now, "the user's setting is kept");
      assertTrue(policy.contains("from the environment"), policy);
    } else if (System.getProperty(OpenMpWaitPolicy.PROPERTY) == null) {
      assertEquals(vm ? "PASSIVE" : null, now, policy);
      assertTrue(vm ? policy.startsWith("PASSIVE (on a virtual machine") : policy.startsWith("libgomp's default"),
          policy);
    }
    System.setProperty(OpenMpWaitPolicy.PROPERTY, "spin-forever");
    try {
      InvalidInputException e = assertThrows(InvalidInputException.class, OpenMpWaitPolicy::apply);
      assertTrue(e.getMessage().contains("auto, passive, active or default"), e.getMessage());
    } finally {
      System.clearProperty(OpenMpWaitPolicy.PROPERTY);
    }
  }
}
