package dev.reparo.tensorrt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What a serialized TensorRT engine depends on, and so what its cache file is named after: the
 * ONNX it is built from (the hash of the artefact's bytes: a recalibrated {@code model.qdq.onnx}
 * gets a new engine), the builder settings with the FP16 rewrite's version, the input shape, the
 * precision, the GPU (name and compute capability: an engine is tuned for one GPU model) and the
 * TensorRT version (engines are not portable across versions). Immutable and thread-safe.
 *
 * @param onnxSha256 SHA-256 (hex) of the ONNX artefact the engine is built from
 * @param builderSettings {@link EngineBuilder#settings}: builder options and rewrite versions
 * @param inputShape the fixed input shape the engine is built for (no -1)
 * @param tensorRtVersion e.g. {@code "11.2.1"}
 */
public record EngineCacheKey(String onnxSha256, String builderSettings, long[] inputShape,
    TensorRtPrecision precision, String gpuName, int computeMajor, int computeMinor, String tensorRtVersion) {

  public EngineCacheKey {
    if (onnxSha256.isEmpty()) {
      throw new IllegalArgumentException("the engine cache needs the hash of the ONNX it builds from");
    }
    if (Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
      throw new IllegalArgumentException("an engine is built for a fixed input shape, not "
          + Arrays.toString(inputShape));
    }
    inputShape = inputShape.clone();
  }

  /**
   * {@code <onnx hash 16>-<precision>-<gpu slug>-sm<major><minor>-trt<version>-<digest 8>.engine};
   * the trailing digest covers every field in full, so a long GPU name cut short or two shapes
   * never share a file.
   */
  public String fileName() {
    String gpu = gpuName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    if (gpu.length() > 40) {
      gpu = gpu.substring(0, 40);
    }
    return onnxSha256.substring(0, Math.min(16, onnxSha256.length())) + "-" + precision.name().toLowerCase(Locale.ROOT)
        + "-" + gpu + "-sm" + computeMajor + computeMinor + "-trt" + tensorRtVersion + "-" + digest() + ".engine";
  }

  private String digest() {
    String all = onnxSha256 + "|" + builderSettings + "|" + Arrays.toString(inputShape) + "|" + precision + "|" + gpuName + "|"
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
