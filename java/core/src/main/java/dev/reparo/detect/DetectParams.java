package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Per-call detection thresholds: changing them needs no reopening of the model. Pass one to
 * {@link Detector#detect(java.nio.file.Path, DetectParams)} and its siblings; calls without one use
 * {@link DetectorOptions#params()}. Immutable and thread-safe.
 *
 * <pre>{@code
 * DetectParams strict = detector.options().params().withConf(0.5f).withClasses(0, 2);
 * List<Detection> cars = detector.detect(image, strict);
 * }</pre>
 *
 * @param conf minimum score, in [0, 1)
 * @param iou NMS overlap above which the lower-scored box goes, in (0, 1]
 * @param maxDetections at most this many detections, 1..100000
 * @param agnostic NMS across classes rather than within each
 * @param classes class ids to keep, or null for all
 */
public record DetectParams(float conf, float iou, int maxDetections, boolean agnostic, int[] classes) {
  /** YOLOv5's detect.py defaults: conf 0.25, IoU 0.45, 300 detections, class-aware, all classes. */
  public static final DetectParams DEFAULTS = new DetectParams(0.25f, 0.45f, 300, false, null);

  /** @throws InvalidInputException naming the threshold out of range */
  public DetectParams {
    checkConf(conf);
    checkIou(iou);
    checkMaxDetections(maxDetections);
    classes = classes == null || classes.length == 0 ? null : classes.clone();
  }

  @Override
  public int[] classes() {
    return classes == null ? null : classes.clone();
  }

  public DetectParams withConf(float c) {
    return new DetectParams(c, iou, maxDetections, agnostic, classes);
  }

  public DetectParams withIou(float i) {
    return new DetectParams(conf, i, maxDetections, agnostic, classes);
  }

  public DetectParams withMaxDetections(int n) {
    return new DetectParams(conf, iou, n, agnostic, classes);
  }

  public DetectParams withAgnostic(boolean a) {
    return new DetectParams(conf, iou, maxDetections, a, classes);
  }

  /** Keep only these class ids (none: keep all). */
  public DetectParams withClasses(int... ids) {
    return new DetectParams(conf, iou, maxDetections, agnostic, ids);
  }

  /**
   * The class filter as a mask over {@code numClasses}, or null when every class is kept.
   *
   * @throws InvalidInputException if a class id is outside the model's classes
   */
  boolean[] classMask(int numClasses) {
    if (classes == null) {
      return null;
    }
    boolean[] mask = new boolean[numClasses];
    for (int c : classes) {
      if (c < 0 || c >= numClasses) {
        throw new InvalidInputException("class filter names class " + c + " but the model has " + numClasses
            + " classes (0.." + (numClasses - 1) + ")");
      }
      mask[c] = true;
    }
    return mask;
  }

  static float checkConf(float conf) {
    if (!(conf >= 0f && conf < 1f)) {
      throw new InvalidInputException("confidence threshold must be in [0, 1), got " + conf);
    }
    return conf;
  }

  static float checkIou(float iou) {
    if (!(iou > 0f && iou <= 1f)) {
      throw new InvalidInputException("IoU threshold must be in (0, 1], got " + iou);
    }
    return iou;
  }

  static int checkMaxDetections(int n) {
    if (n < 1 || n > 100_000) {
      throw new InvalidInputException("max detections must be 1..100000, got " + n);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DetectParams p && Float.compare(conf, p.conf) == 0 && Float.compare(iou, p.iou) == 0
        && maxDetections == p.maxDetections && agnostic == p.agnostic && Arrays.equals(classes, p.classes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(conf, iou, maxDetections, agnostic, Arrays.hashCode(classes));
  }

  @Override
  public String toString() {
    return "DetectParams[conf=" + conf + ", iou=" + iou + ", maxDet=" + maxDetections + ", agnostic=" + agnostic
        + ", classes=" + (classes == null ? "all" : Arrays.toString(classes)) + "]";
  }
}
