package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.backend.ImagePlacement;

/**
 * Where an image lands inside the model input when it is resized with its aspect ratio kept and
 * padded (YOLOv5's letterbox): {@code scale}, the resized size and the left/top padding. Maps
 * boxes back to original-image pixels. Immutable and thread-safe.
 *
 * @param inputWidth the model input width (resized width plus both paddings)
 */
public record Letterbox(int imageWidth, int imageHeight, int inputWidth, int inputHeight, float scale,
    int resizedWidth, int resizedHeight, int padLeft, int padTop) implements ImagePlacement {

  /**
   * A fixed-size letterbox: the image is scaled to fit {@code inputWidth × inputHeight} and the
   * rest is padded, split evenly (the odd pixel goes right/bottom).
   */
  public static Letterbox fixed(int imageWidth, int imageHeight, int inputWidth, int inputHeight) {
    check(imageWidth, imageHeight);
    float scale = Math.min((float) inputWidth / imageWidth, (float) inputHeight / imageHeight);
    int rw = Math.max(1, Math.round(imageWidth * scale));
    int rh = Math.max(1, Math.round(imageHeight * scale));
    return new Letterbox(imageWidth, imageHeight, inputWidth, inputHeight, scale, rw, rh,
        (inputWidth - rw) / 2, (inputHeight - rh) / 2);
  }

  /**
   * A minimal letterbox: the long side is scaled to {@code size}, and each side is padded only up
   * to the next multiple of {@code stride} (less padding, less work for dynamic-shape backends).
   */
  public static Letterbox minimal(int imageWidth, int imageHeight, int size, int stride) {
    check(imageWidth, imageHeight);
    float scale = Math.min((float) size / imageWidth, (float) size / imageHeight);
    int rw = Math.max(1, Math.round(imageWidth * scale));
    int rh = Math.max(1, Math.round(imageHeight * scale));
    int iw = (rw + stride - 1) / stride * stride;
    int ih = (rh + stride - 1) / stride * stride;
    return new Letterbox(imageWidth, imageHeight, iw, ih, scale, rw, rh, (iw - rw) / 2, (ih - rh) / 2);
  }

  private static void check(int w, int h) {
    if (w <= 0 || h <= 0) {
      throw new InvalidInputException("image has no pixels (" + w + "x" + h + ")");
    }
  }

  /** An input-pixel x coordinate in original-image pixels, clamped to the image. */
  public float toImageX(float x) {
    return Math.min(Math.max((x - padLeft) / scale, 0f), imageWidth);
  }

  public float toImageY(float y) {
    return Math.min(Math.max((y - padTop) / scale, 0f), imageHeight);
  }
}
