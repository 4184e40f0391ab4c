package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import java.util.Arrays;

/**
 * The shape of a YOLOv5 detection head: for each output scale its stride and anchor sizes (w, h in
 * input pixels), and the number of classes. Each raw output has {@code anchors·(5+classes)}
 * channels laid out anchor-major: channel {@code a·(5+C)+k} holds, for anchor {@code a}, field
 * {@code k} of (tx, ty, tw, th, objectness, class logits...). Immutable and thread-safe.
 */
public final class YoloHead {
  private final int numClasses;
  private final int[] strides;
  private final float[][][] anchors; // [scale][anchor][w,h]

  private YoloHead(int numClasses, int[] strides, float[][][] anchors) {
    this.numClasses = numClasses;
    this.strides = strides;
    this.anchors = anchors;
  }

  /**
   * @param anchors per scale, per anchor, {w, h} in input pixels; every scale has the same count
   * @throws InvalidInputException if the counts disagree or a value is not positive
   */
  public static YoloHead of(int numClasses, int[] strides, float[][][] anchors) {
    if (numClasses < 1) {
      throw new InvalidInputException("a detection head needs at least one class, got " + numClasses);
    }
    if (strides.length == 0 || strides.length != anchors.length) {
      throw new InvalidInputException(
          "head has " + strides.length + " strides but " + anchors.length + " anchor scales");
    }
    float[][][] copy = new float[anchors.length][][];
    for (int s = 0; s < anchors.length; s++) {
      if (strides[s] <= 0) {
        throw new InvalidInputException("stride " + strides[s] + " at scale " + s + " is not positive");
      }
      if (anchors[s].length != anchors[0].length || anchors[s].length == 0) {
        throw new InvalidInputException("every scale needs the same, non-zero number of anchors");
      }
      copy[s] = new float[anchors[s].length][];
      for (int a = 0; a < anchors[s].length; a++) {
        if (anchors[s][a].length != 2 || !(anchors[s][a][0] > 0) || !(anchors[s][a][1] > 0)) {
          throw new InvalidInputException("anchor " + a + " of scale " + s + " must be a positive (w, h) pair, got "
              + Arrays.toString(anchors[s][a]));
        }
        copy[s][a] = anchors[s][a].clone();
      }
    }
    return new YoloHead(numClasses, strides.clone(), copy);
  }

  public int numClasses() {
    return numClasses;
  }

  public int numScales() {
    return strides.length;
  }

  public int anchorsPerScale() {
    return anchors[0].length;
  }

  /** Values per anchor: 4 box fields, objectness, then one logit per class. */
  public int outputsPerAnchor() {
    return 5 + numClasses;
  }

  public int[] strides() {
    return strides.clone();
  }

  public int stride(int scale) {
    return strides[scale];
  }

  public float anchorWidth(int scale, int anchor) {
    return anchors[scale][anchor][0];
  }

  public float anchorHeight(int scale, int anchor) {
    return anchors[scale][anchor][1];
  }

  @Override
  public String toString() {
    return "YoloHead[classes=" + numClasses + ", strides=" + Arrays.toString(strides) + ", anchors="
        + Arrays.deepToString(anchors) + "]";
  }
}
