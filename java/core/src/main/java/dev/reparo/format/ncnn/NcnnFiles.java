package dev.reparo.format.ncnn;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An ncnn model in memory: the {@code .param} text and the {@code .bin} bytes. Immutable by
 * contract (the byte array is not copied; do not change it) and then safe to share.
 */
public record NcnnFiles(String param, byte[] bin) {
  public NcnnFiles {
    Objects.requireNonNull(param, "param");
    Objects.requireNonNull(bin, "bin");
  }

  /** The param text as the bytes a {@code .param} file holds (ASCII). */
  public byte[] paramBytes() {
    return param.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NcnnFiles f && param.equals(f.param) && Arrays.equals(bin, f.bin);
  }

  @Override
  public int hashCode() {
    return param.hashCode() * 31 + Arrays.hashCode(bin);
  }

  @Override
  public String toString() {
    return "NcnnFiles[" + param.lines().count() + " param lines, " + bin.length + " bin bytes]";
  }
}
