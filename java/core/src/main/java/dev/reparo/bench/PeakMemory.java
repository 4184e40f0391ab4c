package dev.reparo.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's peak resident set size from Linux's {@code /proc/self/status} ({@code VmHWM}),
 * and its reset (writing {@code 5} to {@code /proc/self/clear_refs}, Linux 4.0 and later) so that
 * each benchmark case can report its own peak. Stateless and thread-safe.
 */
public final class PeakMemory {
  private PeakMemory() {}

  /** VmHWM in MiB, or -1 where {@code /proc} does not report it. */
  public static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmHWM:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) / 1024.0; // reported in kB
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /** Resets the high-water mark to the current RSS; false where the kernel does not allow it. */
  public static boolean reset() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
