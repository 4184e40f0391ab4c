package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which kernels ncnn dispatches to in this JVM. The numeric tests run once natively and, in the
 * {@code isa-emulation} profile, again on CPUs that qemu emulates (AVX2 only; the portable SSE2
 * path): there {@code reparo.expect.isa} says what ncnn must see, so an emulation that silently ran
 * the host's kernels would fail here rather than pass for the wrong reason.
 */
class NcnnIsaTest {
  @Test
  void ncnnDispatchesToTheKernelsThisCpuHas() throws IOException {
    List<String> seen = Ncnn.cpuFeatures();
    System.out.println("ncnn dispatches to: " + (seen.isEmpty() ? "(baseline only)" : String.join(" ", seen)));
    String expected = System.getProperty("reparo.expect.isa", "");
    if (!expected.isBlank()) {
      // e.g. "x86_avx2 x86_fma -x86_avx512": present, and '-' absent
      for (String f : expected.trim().split("\\s+")) {
        boolean absent = f.startsWith("-");
        String name = absent ? f.substring(1) : f;
        assertEquals(!absent, seen.contains(name), name + " in " + seen + " (expected: " + expected + ")");
      }
      return;
    }
    // Natively, ncnn's probe agrees with the kernel's view of the CPU on the features that choose
    // its x86 kernels (on other architectures there is nothing to compare here).
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!System.getProperty("os.arch").equals("amd64") || !Files.isReadable(cpuinfo)) {
      assertTrue(seen.stream().noneMatch(f -> f.startsWith("x86_")), seen.toString());
      return;
    }
    Set<String> flags = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags"))
        .findFirst().map(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))
            .collect(Collectors.toSet())).orElse(Set.of());
    assertEquals(flags.contains("avx2"), seen.contains("x86_avx2"), "avx2: " + seen);
    // ncnn's "avx512" is the Skylake-server set: F, CD, BW, DQ and VL together.
    assertEquals(flags.containsAll(List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")),
        seen.contains("x86_avx512"), "avx512: " + seen);
    assertTrue(!seen.contains("x86_avx512_vnni") || flags.contains("avx512_vnni"), "avx512_vnni: " + seen);
  }
}
