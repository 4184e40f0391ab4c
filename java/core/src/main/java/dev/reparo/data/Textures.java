package dev.reparo.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.SplittableRandom;

/**
 * Textured and photo-like backgrounds for {@link SceneStyle#VARIED} scenes, painted straight into
 * a {@code TYPE_3BYTE_BGR} image: gratings, checkers and tiles, multi-octave value noise, marble
 * veins, and a lit "room" (a horizon between two gradients under a soft light fall-off). None of
 * them contains a closed shape that could pass for one of the classes.
 *
 * <p>Per-pixel maths uses {@link StrictMath}, so a random stream gives the same bytes on every
 * JVM. Stateless.
 */
final class Textures {
  /** How many kinds {@link #paint} chooses from. */
  static final int KINDS = 5;

  private Textures() {}

  /** Paints texture {@code kind} (0 to {@link #KINDS} - 1) over the whole image. */
  static void paint(BufferedImage image, int kind, SplittableRandom random) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    double[] a = colour(random);
    double[] b = colour(random);
    switch (kind) {
      case 0 -> { // sinusoidal grating, possibly two crossed
        double f1 = 2 * Math.PI / (6 + 60 * random.nextDouble());
        double t1 = Math.PI * random.nextDouble();
        double f2 = random.nextBoolean() ? 2 * Math.PI / (6 + 60 * random.nextDouble()) : 0;
        double t2 = Math.PI * random.nextDouble();
        double c1 = StrictMath.cos(t1);
        double s1 = StrictMath.sin(t1);
        double c2 = StrictMath.cos(t2);
        double s2 = StrictMath.sin(t2);
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            double v = StrictMath.sin(f1 * (x * c1 + y * s1));
            if (f2 > 0) {
              v = 0.5 * (v + StrictMath.sin(f2 * (x * c2 + y * s2)));
            }
            mix(bgr, 3 * (y * w + x), a, b, 0.5 + 0.5 * v);
          }
        }
      }
      case 1 -> { // checker or brick tiles with mortar lines
        int tw = 8 + random.nextInt(48);
        int th = random.nextBoolean() ? tw : 6 + random.nextInt(30);
        boolean bricks = random.nextBoolean();
        double[] mortar = colour(random);
        for (int y = 0; y < h; y++) {
          int row = y / th;
          int shift = bricks && (row & 1) == 1 ? tw / 2 : 0;
          for (int x = 0; x < w; x++) {
            int col = (x + shift) / tw;
            int i = 3 * (y * w + x);
            if (bricks && (y % th == 0 || (x + shift) % tw == 0)) {
              mix(bgr, i, mortar, mortar, 0);
            } else {
              mix(bgr, i, a, b, ((row + col) & 1) == 0 || bricks ? 0.15 * ((row * 7 + col * 3) % 5) : 1);
            }
          }
        }
      }
      case 2 -> { // value noise, 2-4 octaves
        int octaves = 2 + random.nextInt(3);
        double[] field = new double[w * h];
        double amplitude = 1;
        int cells = 2 + random.nextInt(4);
        for (int o = 0; o < octaves; o++) {
          addValueNoise(field, w, h, cells, amplitude, random);
          cells *= 2 + random.nextInt(2);
          amplitude *= 0.5;
        }
        normalise(field);
        for (int p = 0; p < field.length; p++) {
          mix(bgr, 3 * p, a, b, field[p]);
        }
      }
      case 3 -> { // marble: a grating bent by value noise
        double[] field = new double[w * h];
        addValueNoise(field, w, h, 3 + random.nextInt(5), 1, random);
        double f = 2 * Math.PI / (20 + 80 * random.nextDouble());
        double t = Math.PI * random.nextDouble();
        double c = StrictMath.cos(t);
        double s = StrictMath.sin(t);
        double turbulence = 3 + 8 * random.nextDouble();
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int p = y * w + x;
            double v = StrictMath.sin(f * (x * c + y * s) + turbulence * field[p]);
            mix(bgr, 3 * p, a, b, StrictMath.pow(0.5 + 0.5 * v, 0.5 + 2 * field[p]));
          }
        }
      }
      default -> { // a room: wall and floor gradients split at a horizon, lit from one point
        double[] a2 = colour(random);
        double[] b2 = colour(random);
        double horizon = h * (0.2 + 0.6 * random.nextDouble());
        double lx = w * random.nextDouble();
        double ly = h * random.nextDouble();
        double falloff = 0.3 + 0.9 * random.nextDouble();
        double reach = Math.max(w, h) * (0.6 + random.nextDouble());
        for (int y = 0; y < h; y++) {
          boolean wall = y < horizon;
          double t = wall ? y / horizon : (y - horizon) / Math.max(1, h - horizon);
          for (int x = 0; x < w; x++) {
            int i = 3 * (y * w + x);
            if (wall) {
              mix(bgr, i, a, b, t);
            } else {
              mix(bgr, i, a2, b2, t);
            }
            double d = Math.hypot(x - lx, y - ly) / reach;
            double light = Math.max(0.25, 1 - falloff * d * d) + 0.15;
            for (int ch = 0; ch < 3; ch++) {
              bgr[i + ch] = (byte) clamp((bgr[i + ch] & 0xff) * light);
            }
          }
        }
      }
    }
  }

  /** Adds bilinearly interpolated random values on a {@code cells}-cell grid, times amplitude. */
  private static void addValueNoise(double[] field, int w, int h, int cells, double amplitude,
      SplittableRandom random) {
    int n = cells + 1;
    double[] grid = new double[n * n];
    for (int k = 0; k < grid.length; k++) {
      grid[k] = random.nextDouble();
    }
    for (int y = 0; y < h; y++) {
      double gy = (double) y * cells / h;
      int y0 = (int) gy;
      double fy = smooth(gy - y0);
      for (int x = 0; x < w; x++) {
        double gx = (double) x * cells / w;
        int x0 = (int) gx;
        double fx = smooth(gx - x0);
        double top = grid[y0 * n + x0] * (1 - fx) + grid[y0 * n + x0 + 1] * fx;
        double bottom = grid[(y0 + 1) * n + x0] * (1 - fx) + grid[(y0 + 1) * n + x0 + 1] * fx;
        field[y * w + x] += amplitude * (top * (1 - fy) + bottom * fy);
      }
    }
  }

  private static double smooth(double t) {
    return t * t * (3 - 2 * t);
  }

  /** Rescales the field to 0..1. */
  private static void normalise(double[] field) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : field) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    double range = Math.max(1e-9, max - min);
    for (int p = 0; p < field.length; p++) {
      field[p] = (field[p] - min) / range;
    }
  }

  /** Writes {@code a * (1 - t) + b * t} (BGR) at byte offset i. */
  private static void mix(byte[] bgr, int i, double[] a, double[] b, double t) {
    for (int ch = 0; ch < 3; ch++) {
      bgr[i + ch] = (byte) clamp(a[ch] * (1 - t) + b[ch] * t);
    }
  }

  /** A random BGR colour, 0-255 per channel. */
  private static double[] colour(SplittableRandom random) {
    return new double[] {random.nextInt(256), random.nextInt(256), random.nextInt(256)};
  }

  static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }
}
