package dev.reparo.tensorrt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What a serialized TensorRT engine depends on, and so what its cache file is named after: the
 * model (source hash and input shape), the precision, the GPU (name and compute capability: an
 * engine is tuned for one GPU model) and the TensorRT version (engines are not portable across
 * versions). Immutable and thread-safe.
 *
 * @param tensorRtVersion e.g. {@code "11.2.1"}
 */
public record EngineCacheKey(String modelSha256, long[] inputShape, TensorRtPrecision precision, String gpuName,
    int computeMajor, int computeMinor, String tensorRtVersion) {

  public EngineCacheKey {
    if (modelSha256.isEmpty()) {
      throw new IllegalArgumentException("the engine cache needs the model's hash; re-run reparo convert");
    }
    inputShape = inputShape.clone();
  }

  /**
   * {@code <model hash 16>-<precision>-<gpu slug>-sm<major><minor>-trt<version>-<digest 8>.engine};
   * the trailing digest covers every field in full, so a long GPU name cut short or two shapes
   * never share a file.
   */
  public String fileName() {
    String gpu = gpuName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    if (gpu.length() > 40) {
      gpu = gpu.substring(0, 40);
    }
    return modelSha256.substring(0, Math.min(16, modelSha256.length())) + "-" + precision.name().toLowerCase(Locale.ROOT)
        + "-" + gpu + "-sm" + computeMajor + computeMinor + "-trt" + tensorRtVersion + "-" + digest() + ".engine";
  }

  private String digest() {
    String all = modelSha256 + "|" + Arrays.toString(inputShape) + "|" + precision + "|" + gpuName + "|"
        + computeMajor + "." + computeMinor + "|" + tensorRtVersion;
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(all.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EngineCacheKey k && k.fileName().equals(fileName());
  }

  @Override
  public int hashCode() {
    return fileName().hashCode();
  }

  @Override
  public String toString() {
    return fileName();
  }
}
