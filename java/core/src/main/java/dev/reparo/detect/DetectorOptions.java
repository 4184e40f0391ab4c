package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.LoadOptions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a {@link Detector} is opened: backend, threads, input size, fp16, head and metadata overrides
 * (what the runtime gets is {@link #loadOptions()}), plus the default per-call thresholds
 * ({@link #params()}), which each {@code detect} call may replace with its own {@link DetectParams}.
 * Immutable and thread-safe; build with {@link #builder()}. Defaults follow YOLOv5's detect.py:
 * conf 0.25, IoU 0.45, 300 detections.
 */
public final class DetectorOptions {
  private final BackendKind backend;
  private final int threads;
  private final int inputSize;
  private final float confThreshold;
  private final float iouThreshold;
  private final int maxDetections;
  private final boolean agnosticNms;
  private final int[] classes;
  private final boolean fp16;
  private final Map<String, String> metadataOverrides;
  private final HeadKind head;

  private DetectorOptions(Builder b) {
    backend = b.backend;
    threads = b.threads;
    inputSize = b.inputSize;
    confThreshold = b.confThreshold;
    iouThreshold = b.iouThreshold;
    maxDetections = b.maxDetections;
    agnosticNms = b.agnosticNms;
    classes = b.classes == null ? null : b.classes.clone();
    fp16 = b.fp16;
    metadataOverrides = Map.copyOf(b.metadataOverrides);
    head = b.head;
  }

  public static DetectorOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.backend = backend;
    b.threads = threads;
    b.inputSize = inputSize;
    b.confThreshold = confThreshold;
    b.iouThreshold = iouThreshold;
    b.maxDetections = maxDetections;
    b.agnosticNms = agnosticNms;
    b.classes = classes;
    b.fp16 = fp16;
    b.metadataOverrides.putAll(metadataOverrides);
    b.head = head;
    return b;
  }

  public BackendKind backend() {
    return backend;
  }

  /** What the backend needs to load the model: threads, fp16, input size. */
  public LoadOptions loadOptions() {
    return new LoadOptions(threads, fp16, inputSize);
  }

  /** The thresholds {@code detect} uses when a call gives none. */
  public DetectParams params() {
    return new DetectParams(confThreshold, iouThreshold, maxDetections, agnosticNms, classes);
  }

  /**
   * Threads per inference; 0 (the default) lets {@link Detector#open} choose by measurement, once
   * per model and machine (see {@link dev.reparo.backend.AutoBackendSelector}); other users of the
   * options (a backend loaded directly with {@link #loadOptions()}) take 0 as the backend's own default.
   */
  public int threads() {
    return threads;
  }

  /** Model input size in pixels (square); 0 means the size in the model's metadata. */
  public int inputSize() {
    return inputSize;
  }

  public float confThreshold() {
    return confThreshold;
  }

  public float iouThreshold() {
    return iouThreshold;
  }

  public int maxDetections() {
    return maxDetections;
  }

  public boolean agnosticNms() {
    return agnosticNms;
  }

  /** Class ids to keep, or null for all. */
  public int[] classes() {
    return classes == null ? null : classes.clone();
  }

  public boolean fp16() {
    return fp16;
  }

  /** Metadata keys (see {@link ModelMetadata}) that replace or supply the model's own. */
  public Map<String, String> metadataOverrides() {
    return metadataOverrides;
  }

  /** The head layout the user named, or null to choose from the model's outputs and metadata. */
  public HeadKind head() {
    return head;
  }

  @Override
  public String toString() {
    return "DetectorOptions[backend=" + backend + ", threads=" + threads + ", inputSize=" + inputSize + ", conf="
        + confThreshold + ", iou=" + iouThreshold + ", maxDet=" + maxDetections + ", agnostic=" + agnosticNms
        + ", classes=" + Arrays.toString(classes) + ", fp16=" + fp16 + (head == null ? "" : ", head=" + head.cliName()) + "]";
  }

  /** Builds {@link DetectorOptions}; each setter validates its argument. Not thread-safe. */
  public static final class Builder {
    private BackendKind backend = BackendKind.NCNN;
    private int threads;
    private int inputSize;
    private float confThreshold = 0.25f;
    private float iouThreshold = 0.45f;
    private int maxDetections = 300;
    private boolean agnosticNms;
    private int[] classes;
    private boolean fp16;
    private final Map<String, String> metadataOverrides = new LinkedHashMap<>();
    private HeadKind head;

    private Builder() {}

    /** Decode the outputs as this head (null: choose from the output shapes and metadata). */
    public Builder head(HeadKind kind) {
      head = kind;
      return this;
    }

    public Builder backend(BackendKind b) {
      backend = java.util.Objects.requireNonNull(b, "backend");
      return this;
    }

    public Builder threads(int n) {
      if (n < 0 || n > 256) {
        throw new InvalidInputException("threads must be 0 (choose by measurement) to 256, got " + n);
      }
      threads = n;
      return this;
    }

    public Builder inputSize(int pixels) {
      if (pixels != 0 && (pixels < 32 || pixels > 4096 || pixels % 32 != 0)) {
        throw new InvalidInputException("input size must be a multiple of 32 in 32..4096 (or 0 for the model's), got "
            + pixels);
      }
      inputSize = pixels;
      return this;
    }

    public Builder confThreshold(float conf) {
      confThreshold = DetectParams.checkConf(conf);
      return this;
    }

    public Builder iouThreshold(float iou) {
      iouThreshold = DetectParams.checkIou(iou);
      return this;
    }

    public Builder maxDetections(int n) {
      maxDetections = DetectParams.checkMaxDetections(n);
      return this;
    }

    /** Sets all the default thresholds at once (conf, IoU, max detections, agnostic, classes). */
    public Builder params(DetectParams p) {
      confThreshold = p.conf();
      iouThreshold = p.iou();
      maxDetections = p.maxDetections();
      agnosticNms = p.agnostic();
      classes = p.classes();
      return this;
    }

    public Builder agnosticNms(boolean agnostic) {
      agnosticNms = agnostic;
      return this;
    }

    /** Keep only these class ids (null or no ids: keep all). */
    public Builder classes(int... ids) {
      classes = ids == null || ids.length == 0 ? null : ids.clone();
      return this;
    }

    public Builder fp16(boolean on) {
      fp16 = on;
      return this;
    }

    /** Supplies or replaces one metadata key, e.g. {@code ("names", "[\"cat\",\"dog\"]")}. */
    public Builder metadata(String key, String jsonValue) {
      metadataOverrides.put(key, jsonValue);
      return this;
    }

    public DetectorOptions build() {
      return new DetectorOptions(this);
    }
  }
}
