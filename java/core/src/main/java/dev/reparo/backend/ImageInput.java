package dev.reparo.backend;

import java.util.Arrays;
import java.util.Objects;

/**
 * How interleaved 8-bit BGR pixels become a float input {@code [1, 3, H, W]}: placed (resized and
 * padded) as {@code placement} says, the padding set to {@code fill}, channels in RGB order when
 * {@code rgb} (else BGR), then per channel {@code (level − mean[c]) · norm[c]} in 0..255 level
 * units. What a backend's native pre-processing needs, and no more. Immutable and thread-safe.
 */
public record ImageInput(ImagePlacement placement, float fill, float[] mean, float[] norm, boolean rgb) {
  public ImageInput {
    Objects.requireNonNull(placement, "placement");
    if (mean.length != 3 || norm.length != 3) {
      throw new IllegalArgumentException("mean and norm need 3 values each, got " + mean.length + " and "
          + norm.length);
    }
    mean = mean.clone();
    norm = norm.clone();
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] norm() {
    return norm.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageInput i && placement.equals(i.placement) && Float.compare(fill, i.fill) == 0
        && Arrays.equals(mean, i.mean) && Arrays.equals(norm, i.norm) && rgb == i.rgb;
  }

  @Override
  public int hashCode() {
    return Objects.hash(placement, fill, Arrays.hashCode(mean), Arrays.hashCode(norm), rgb);
  }

  @Override
  public String toString() {
    return "ImageInput[" + placement + ", fill=" + fill + ", mean=" + Arrays.toString(mean) + ", norm="
        + Arrays.toString(norm) + ", " + (rgb ? "RGB" : "BGR") + "]";
  }
}
