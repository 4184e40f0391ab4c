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

  /** The kernel's own view of the CPU is the oracle for what ncnn detected. */
  @Test
  void detectedFeaturesAgreeWithProcCpuinfo() throws Exception {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    String arch = System.getProperty("os.arch");
    if (!Files.isReadable(cpuinfo) || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return; // the flag names below are x86's
    }
    List<String> flags = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags"))
        .findFirst().map(l -> Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
        .orElseThrow();
    List<String> features = Ncnn.cpuFeatures();
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
}
