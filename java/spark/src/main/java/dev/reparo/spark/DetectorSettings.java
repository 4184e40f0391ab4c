package dev.reparo.spark;

import dev.reparo.backend.BackendKind;
import dev.reparo.detect.DetectParams;
import dev.reparo.detect.DetectorOptions;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The serializable form of {@link DetectorOptions} that travels from the driver to the executors,
 * together with where the model is. Executors rebuild the options with {@link #toOptions()}.
 * Immutable and thread-safe; settings that differ only in thresholds ({@link #params()}) share one
 * detector per executor JVM ({@link #forLoading()} is the key).
 *
 * @param classes class ids to keep, or null for all
 */
public record DetectorSettings(ModelSource model, BackendKind backend, int threads, int inputSize,
    float confThreshold, float iouThreshold, int maxDetections, boolean agnosticNms, List<Integer> classes,
    boolean fp16, Map<String, String> metadata) implements Serializable {
  private static final long serialVersionUID = 1L;

  public DetectorSettings {
    classes = classes == null ? null : List.copyOf(classes);
    metadata = new TreeMap<>(metadata); // TreeMap: serializable, and equal maps compare equal
  }

  /** The settings of {@code options} for a model found at {@code model}. */
  public static DetectorSettings of(ModelSource model, DetectorOptions options) {
    int[] cls = options.classes();
    return new DetectorSettings(model, options.backend(), options.threads(), options.inputSize(),
        options.confThreshold(), options.iouThreshold(), options.maxDetections(), options.agnosticNms(),
        cls == null ? null : java.util.Arrays.stream(cls).boxed().toList(), options.fp16(),
        options.metadataOverrides());
  }

  /** The per-call thresholds, passed to each {@code detect} call. */
  public DetectParams params() {
    return new DetectParams(confThreshold, iouThreshold, maxDetections, agnosticNms,
        classes == null ? null : classes.stream().mapToInt(Integer::intValue).toArray());
  }

  /** These settings with default thresholds: what opening the detector depends on. */
  public DetectorSettings forLoading() {
    DetectParams d = DetectParams.DEFAULTS;
    return new DetectorSettings(model, backend, threads, inputSize, d.conf(), d.iou(), d.maxDetections(),
        d.agnostic(), null, fp16, metadata);
  }

  /** These settings as options for {@code Detector.open}. */
  public DetectorOptions toOptions() {
    DetectorOptions.Builder b = DetectorOptions.builder().backend(backend).threads(threads).inputSize(inputSize)
        .confThreshold(confThreshold).iouThreshold(iouThreshold).maxDetections(maxDetections)
        .agnosticNms(agnosticNms).fp16(fp16);
    if (classes != null) {
      b.classes(classes.stream().mapToInt(Integer::intValue).toArray());
    }
    metadata.forEach(b::metadata);
    return b.build();
  }
}
