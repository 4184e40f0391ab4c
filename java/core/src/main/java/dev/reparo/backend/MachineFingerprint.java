package dev.reparo.backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What makes one machine's backend timings differ from another's: OS, architecture, CPU model and
 * the number of CPUs this JVM may use. Immutable and thread-safe.
 *
 * @param cpuModel the first {@code model name} (x86) or {@code Model}/{@code CPU part} (ARM) line
 *     of {@code /proc/cpuinfo}, or {@code "unknown"}
 */
public record MachineFingerprint(String os, String arch, String cpuModel, int cpus) {
  /** This machine. */
  public static MachineFingerprint current() {
    return new MachineFingerprint(System.getProperty("os.name"), System.getProperty("os.arch"), readCpuModel(),
        Runtime.getRuntime().availableProcessors());
  }

  private static String readCpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          String key = line.substring(0, colon).trim();
          if (key.equals("model name") || key.equals("Model") || key.equals("CPU part")) {
            return line.substring(colon + 1).trim();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or /proc unreadable: the fingerprint still separates OS, arch and CPU count
    }
    return "unknown";
  }

  /** A short stable key: 12 hex digits of the SHA-256 of {@link #toString()}. */
  public String key() {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
    }
  }

  @Override
  public String toString() {
    return os + "/" + arch + "/" + cpuModel + "/" + cpus + " cpus";
  }
}
