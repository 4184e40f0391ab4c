package dev.reparo.quant;

import dev.reparo.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * How far a set of images is from a model's training distribution, measured at its BatchNorm
 * inputs ({@link BatchNormStatistics}): for each BatchNorm, over all images and positions, each
 * channel's mean and variance, compared with the running statistics:
 *
 * <ul>
 *   <li>mean shift: {@code |mean − running_mean| / sqrt(running_var + ε)}, the median over the
 *       layer's channels;
 *   <li>variance change: {@code |ln((var + ε) / (running_var + ε))|}, the median over channels (0
 *       when the spread matches; 0.69 is a factor of 2 either way).
 * </ul>
 *
 * Each is averaged over the layers for the summary. Medians, so a few dead channels (running
 * variance near 0) do not decide.
 *
 * <p>The limits come from measurements on Reparo's demo model (benchmarks/README.md, "Calibration
 * images unlike the training images"): scenes like its training images gave about 0.05 / 0.05-0.15,
 * shifted scenes (lower contrast, colour cast, blur, noise, JPEG 35) 0.14-0.19 / 0.30-0.48, noise
 * and flat images 0.27-0.46 / 0.87-1.33, a mixed folder of noise 0.22 / 0.76. {@link Report#unlike}
 * is true above {@link #MEAN_SHIFT_LIMIT} or {@link #VARIANCE_CHANGE_LIMIT}: noise-like, not merely
 * another camera.
 *
 * <p>Not thread-safe: {@link #add} from one thread.
 */
public final class DistributionShift {
  /** Mean-shift summary (in running standard deviations) above which the images look unlike training. */
  public static final double MEAN_SHIFT_LIMIT = 0.25;
  /** Variance-change summary (|ln ratio|) above which the images look unlike training. */
  public static final double VARIANCE_CHANGE_LIMIT = 0.6;

  private final List<BatchNormStatistics> stats;
  private final double[][] sum;
  private final double[][] sumSquares;
  private final long[] count;
  private int images;

  public DistributionShift(List<BatchNormStatistics> stats) {
    if (stats.isEmpty()) {
      throw new IllegalArgumentException("no BatchNorm statistics to compare with");
    }
    this.stats = List.copyOf(stats);
    sum = new double[stats.size()][];
    sumSquares = new double[stats.size()][];
    count = new long[stats.size()];
    for (int l = 0; l < stats.size(); l++) {
      sum[l] = new double[stats.get(l).channels()];
      sumSquares[l] = new double[stats.get(l).channels()];
    }
  }

  public List<BatchNormStatistics> statistics() {
    return stats;
  }

  /**
   * Adds one image's input to BatchNorm {@code layer} (index into {@link #statistics()}): a
   * tensor {@code [N, C, ...]} with C the layer's channel count.
   */
  public void add(int layer, Tensor activation) {
    BatchNormStatistics s = stats.get(layer);
    int[] shape = activation.shape();
    if (shape.length < 2 || shape[1] != s.channels()) {
      throw new IllegalArgumentException(s.layer() + ": expected [N, " + s.channels() + ", ...], got "
          + Arrays.toString(shape));
    }
    int n = shape[0];
    int c = shape[1];
    int inner = activation.size() / Math.max(1, n * c);
    float[] x = activation.data();
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (b * c + ch) * inner;
        double s1 = 0;
        double s2 = 0;
        for (int i = 0; i < inner; i++) {
          double v = x[base + i];
          s1 += v;
          s2 += v * v;
        }
        sum[layer][ch] += s1;
        sumSquares[layer][ch] += s2;
      }
    }
    count[layer] += (long) n * inner;
  }

  /** Counts one image (for the report); call once per image, whatever {@link #add} calls it took. */
  public void countImage() {
    images++;
  }

  /** Images counted so far. */
  public int images() {
    return images;
  }

  /** One BatchNorm's comparison. */
  public record Layer(String layer, int channels, double meanShift, double varianceChange) {
    /** Both measures added: how the worst layers are ordered. */
    public double score() {
      return meanShift + varianceChange;
    }
  }

  /**
   * The comparison.
   *
   * @param meanShift the layers' mean of {@link Layer#meanShift}
   * @param varianceChange the layers' mean of {@link Layer#varianceChange}
   * @param layers per BatchNorm that saw any data, in model order
   */
  public record Report(int images, double meanShift, double varianceChange, List<Layer> layers) {
    public Report {
      layers = List.copyOf(layers);
    }

    /** True when either summary is above its limit: the images look unlike the training images. */
    public boolean unlike() {
      return meanShift > MEAN_SHIFT_LIMIT || varianceChange > VARIANCE_CHANGE_LIMIT;
    }

    /** The {@code k} layers furthest from their training statistics, worst first. */
    public List<Layer> worst(int k) {
      List<Layer> sorted = new ArrayList<>(layers);
      sorted.sort(Comparator.comparingDouble(Layer::score).reversed());
      return sorted.subList(0, Math.min(k, sorted.size()));
    }
  }

  /**
   * The report over what was added.
   *
   * @throws IllegalStateException if nothing was added
   */
  public Report report() {
    List<Layer> layers = new ArrayList<>();
    double shiftSum = 0;
    double changeSum = 0;
    for (int l = 0; l < stats.size(); l++) {
      if (count[l] == 0) {
        continue;
      }
      BatchNormStatistics s = stats.get(l);
      int c = s.channels();
      double[] shift = new double[c];
      double[] change = new double[c];
      for (int ch = 0; ch < c; ch++) {
        double mean = sum[l][ch] / count[l];
        double var = Math.max(0, sumSquares[l][ch] / count[l] - mean * mean);
        double runVar = Math.max(0, s.variance(ch)) + s.epsilon();
        shift[ch] = Math.abs(mean - s.mean(ch)) / Math.sqrt(runVar);
        change[ch] = Math.abs(Math.log((var + s.epsilon()) / runVar));
      }
      Layer layer = new Layer(s.layer(), c, median(shift), median(change));
      layers.add(layer);
      shiftSum += layer.meanShift();
      changeSum += layer.varianceChange();
    }
    if (layers.isEmpty()) {
      throw new IllegalStateException("no BatchNorm input was added");
    }
    return new Report(images, shiftSum / layers.size(), changeSum / layers.size(), layers);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
