package dev.reparo.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws the synthetic detection scenes: shapes of the six {@link ShapeClass}es on cluttered
 * backgrounds.
 *
 * <p>Each image: width and height 320–640 px each; a background of a two-colour gradient, smooth
 * value noise or a flat colour with pixel noise; clutter of random lines and irregular
 * translucent blobs; 1–10 objects whose larger box side is 16–160 px, coloured to stand out from
 * the background under them, placed so that no two boxes have IoU above 0.3 and no box lies more
 * than half inside another (IoU alone would let a small shape vanish under a large one); finally
 * a little pixel noise over everything.
 *
 * <p>That is the {@link SceneStyle#CLASSIC} style. {@link SceneStyle#VARIED} scenes add textured and
 * photo-like backgrounds ({@link Textures}), distractor shapes ({@link Distractors}) that are never
 * annotated, shapes stretched up to {@link #MAX_ASPECT}:1 and crosses turned, partial occlusion of
 * some objects, camera effects ({@link PhotoEffects}) and {@link #NEGATIVE_FRACTION} of scenes
 * with no object.
 *
 * <p>Scene {@code i} depends only on the seed and {@code i} (never on how many scenes are made or
 * in which order), and geometry uses {@link StrictMath}, so a seed gives the same pixels on every
 * run. Immutable and thread-safe: {@link #generate} may run concurrently for different indices.
 */
public final class SceneGenerator {
  public static final int MIN_IMAGE_SIDE = 320;
  public static final int MAX_IMAGE_SIDE = 640;
  public static final int MIN_OBJECTS = 1;
  public static final int MAX_OBJECTS = 10;
  public static final double MIN_OBJECT_SIZE = 16;
  public static final double MAX_OBJECT_SIZE = 160;
  public static final double MAX_BOX_IOU = 0.3;
  /** Most of the smaller box's area that may lie inside another box. */
  public static final double MAX_BOX_COVERED = 0.5;
  /** Least difference in luma (0–255) between an object's colour and the mean under it. */
  static final double MIN_CONTRAST = 70;

  private static final int PLACEMENT_TRIES = 40;

  /** Share of {@link SceneStyle#VARIED} scenes with no object at all (distractors only). */
  public static final double NEGATIVE_FRACTION = 0.08;
  /** Aspect ratios of {@link SceneStyle#VARIED} shapes lie in [1 / MAX_ASPECT, MAX_ASPECT]. */
  public static final double MAX_ASPECT = 1.25;
  /** Chance that an object of a {@link SceneStyle#VARIED} scene is partly covered. */
  static final double OCCLUSION_P = 0.25;

  private final long seed;
  private final SceneStyle style;

  /** The {@link SceneStyle#CLASSIC} scenes of {@code seed}. */
  public SceneGenerator(long seed) {
    this(seed, SceneStyle.CLASSIC);
  }

  public SceneGenerator(long seed, SceneStyle style) {
    this.seed = seed;
    this.style = java.util.Objects.requireNonNull(style, "style");
  }

  public long seed() {
    return seed;
  }

  public SceneStyle style() {
    return style;
  }

  /** Scene number {@code index} of this seed. */
  public Scene generate(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("scene index must be non-negative: " + index);
    }
    SplittableRandom random = new SplittableRandom(mix(seed, index));
    if (style == SceneStyle.VARIED) {
      return generateVaried(index, random);
    }
    int width = between(random, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE);
    int height = between(random, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    try {
      setHints(g);
      paintBackground(g, image, random.nextInt(3), random);
      paintClutter(g, width, height, random);
      List<SceneObject> objects = placeObjects(g, image, false, random);
      addPixelNoise(image, 1 + 6 * random.nextDouble(), random);
      return new Scene(index, image, objects);
    } finally {
      g.dispose();
    }
  }

  /**
   * A {@link SceneStyle#VARIED} scene: a classic or textured background, classic clutter (70%),
   * 0-6 distractors (2-8 in the object-free scenes), the objects (stretched, crosses turned),
   * occluders over some of them, then {@link PhotoEffects}.
   */
  private Scene generateVaried(int index, SplittableRandom random) {
    int width = between(random, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE);
    int height = between(random, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    List<SceneObject> objects;
    List<Box> distractors = new ArrayList<>();
    try {
      setHints(g);
      int background = random.nextInt(3 + Textures.KINDS);
      if (background < 3) {
        paintBackground(g, image, background, random);
      } else {
        Textures.paint(image, background - 3, random);
      }
      if (random.nextDouble() < 0.7) {
        paintClutter(g, width, height, random);
      }
      boolean negative = random.nextDouble() < NEGATIVE_FRACTION;
      int count = negative ? between(random, 2, 8) : between(random, 0, 6);
      for (int i = 0; i < count; i++) {
        double size = 12 * StrictMath.exp(random.nextDouble() * StrictMath.log(160.0 / 12));
        Shape shape = Distractors.create(random.nextDouble() * width, random.nextDouble() * height,
            size, random);
        g.setColor(randomColour(random));
        g.fill(shape);
        distractors.add(bounds(shape));
      }
      objects = negative ? List.of() : placeObjects(g, image, true, random);
      for (SceneObject object : objects) {
        if (random.nextDouble() < OCCLUSION_P) {
          distractors.add(occlude(g, object.box(), random));
        }
      }
    } finally {
      g.dispose();
    }
    return new Scene(index, PhotoEffects.apply(image, random), objects, distractors);
  }

  /**
   * Draws a distractor centred on a random point of the box's edge, its size 25-50% of the box's
   * larger side: it covers part of the object, never most of it. Returns its bounds.
   */
  private static Box occlude(Graphics2D g, Box box, SplittableRandom random) {
    double t = random.nextDouble();
    double x;
    double y;
    switch (random.nextInt(4)) {
      case 0 -> { x = box.x() + t * box.width(); y = box.y(); }
      case 1 -> { x = box.x() + t * box.width(); y = box.bottom(); }
      case 2 -> { x = box.x(); y = box.y() + t * box.height(); }
      default -> { x = box.right(); y = box.y() + t * box.height(); }
    }
    double size = Math.max(box.width(), box.height()) * (0.25 + 0.25 * random.nextDouble());
    Shape shape = Distractors.create(x, y, size, random);
    g.setColor(randomColour(random));
    g.fill(shape);
    return bounds(shape);
  }

  private static Box bounds(Shape shape) {
    java.awt.geom.Rectangle2D r = shape.getBounds2D();
    return new Box(r.getX(), r.getY(), r.getWidth(), r.getHeight());
  }

  private static void setHints(Graphics2D g) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
  }

  private static void paintBackground(Graphics2D g, BufferedImage image, int kind,
      SplittableRandom random) {
    int w = image.getWidth();
    int h = image.getHeight();
    switch (kind) {
      case 0 -> {
        g.setPaint(new GradientPaint((float) (random.nextDouble() * w), (float) (random.nextDouble() * h),
            randomColour(random), (float) (random.nextDouble() * w), (float) (random.nextDouble() * h),
            randomColour(random)));
        g.fillRect(0, 0, w, h);
      }
      case 1 -> {
        // value noise: a coarse grid of random colours, bilinearly stretched over the image
        int cells = between(random, 3, 12);
        BufferedImage coarse = new BufferedImage(cells, cells, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < cells; y++) {
          for (int x = 0; x < cells; x++) {
            coarse.setRGB(x, y, randomColour(random).getRGB());
          }
        }
        g.drawImage(coarse, 0, 0, w, h, null);
      }
      default -> {
        g.setColor(randomColour(random));
        g.fillRect(0, 0, w, h);
        addPixelNoise(image, 8 + 16 * random.nextDouble(), random);
      }
    }
  }

  /** Random lines and irregular translucent blobs: distractors that are none of the classes. */
  private static void paintClutter(Graphics2D g, int w, int h, SplittableRandom random) {
    int lines = between(random, 3, 25);
    for (int i = 0; i < lines; i++) {
      g.setColor(withAlpha(randomColour(random), 0.3 + 0.6 * random.nextDouble()));
      g.setStroke(new BasicStroke((float) (1 + 3 * random.nextDouble()), BasicStroke.CAP_ROUND,
          BasicStroke.JOIN_ROUND));
      g.draw(new Line2D.Double(random.nextDouble() * w, random.nextDouble() * h,
          random.nextDouble() * w, random.nextDouble() * h));
    }
    int blobs = between(random, 2, 12);
    for (int i = 0; i < blobs; i++) {
      g.setColor(withAlpha(randomColour(random), 0.25 + 0.5 * random.nextDouble()));
      g.fill(blob(random.nextDouble() * w, random.nextDouble() * h, 6 + 40 * random.nextDouble(),
          random));
    }
    g.setStroke(new BasicStroke());
  }

  /** A closed curve through 7–11 points at strongly varying radii around a centre. */
  private static Path2D blob(double cx, double cy, double radius, SplittableRandom random) {
    int n = between(random, 7, 11);
    double[] px = new double[n];
    double[] py = new double[n];
    double start = random.nextDouble() * 2 * Math.PI;
    for (int i = 0; i < n; i++) {
      double a = start + 2 * Math.PI * i / n;
      double r = radius * (0.35 + 0.9 * random.nextDouble());
      px[i] = cx + r * StrictMath.cos(a);
      py[i] = cy + r * StrictMath.sin(a);
    }
    // quadratic curves through the midpoints of consecutive points, controlled by the points
    Path2D.Double path = new Path2D.Double();
    path.moveTo((px[n - 1] + px[0]) / 2, (py[n - 1] + py[0]) / 2);
    for (int i = 0; i < n; i++) {
      int j = (i + 1) % n;
      path.quadTo(px[i], py[i], (px[i] + px[j]) / 2, (py[i] + py[j]) / 2);
    }
    path.closePath();
    return path;
  }

  private static List<SceneObject> placeObjects(Graphics2D g, BufferedImage image, boolean varied,
      SplittableRandom random) {
    int wanted = between(random, MIN_OBJECTS, MAX_OBJECTS);
    List<SceneObject> objects = new ArrayList<>(wanted);
    ShapeClass[] classes = ShapeClass.values();
    for (int i = 0; i < wanted; i++) {
      ShapeClass shapeClass = classes[random.nextInt(classes.length)];
      // log-uniform sizes: as many small objects as large ones
      double size = MIN_OBJECT_SIZE
          * StrictMath.exp(random.nextDouble() * StrictMath.log(MAX_OBJECT_SIZE / MIN_OBJECT_SIZE));
      ShapeGeometry shape;
      if (varied) {
        double aspect = StrictMath.exp((2 * random.nextDouble() - 1) * StrictMath.log(MAX_ASPECT));
        double stretch = 180 * random.nextDouble();
        double turn = shapeClass == ShapeClass.CROSS ? 90 * random.nextDouble() : 0;
        shape = ShapeGeometry.create(shapeClass, size, aspect, stretch, turn, random);
      } else {
        shape = ShapeGeometry.create(shapeClass, size, random);
      }
      ShapeGeometry placed = place(shape, image.getWidth(), image.getHeight(), objects, random);
      if (placed == null) {
        continue;
      }
      Color colour = contrastingColour(image, placed.box(), random);
      g.setColor(colour);
      g.fill(placed.outline());
      objects.add(new SceneObject(placed, colour));
    }
    return objects;
  }

  /** The shape moved to a random spot inside the image that keeps the overlap rules, or null. */
  private static ShapeGeometry place(ShapeGeometry shape, int w, int h, List<SceneObject> others,
      SplittableRandom random) {
    Box box = shape.box();
    for (int attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      double x = random.nextDouble() * (w - box.width());
      double y = random.nextDouble() * (h - box.height());
      Box candidate = box.translate(x, y);
      boolean fits = true;
      for (SceneObject other : others) {
        double smaller = Math.min(candidate.area(), other.box().area());
        if (candidate.iou(other.box()) > MAX_BOX_IOU
            || candidate.intersection(other.box()) > MAX_BOX_COVERED * smaller) {
          fits = false;
          break;
        }
      }
      if (fits) {
        return shape.translate(x, y);
      }
    }
    return null;
  }

  /** A random colour whose luma differs by at least MIN_CONTRAST from the mean under the box. */
  private static Color contrastingColour(BufferedImage image, Box box, SplittableRandom random) {
    double under = meanLuma(image, box);
    Color colour = null;
    for (int attempt = 0; attempt < 30; attempt++) {
      colour = randomColour(random);
      if (Math.abs(luma(colour) - under) >= MIN_CONTRAST) {
        return colour;
      }
    }
    // no luck: a random dark or light colour on the far side of the background's luma
    int base = under > 127.5 ? 0 : 190;
    return new Color(base + random.nextInt(66), base + random.nextInt(66), base + random.nextInt(66));
  }

  private static double meanLuma(BufferedImage image, Box box) {
    int x0 = (int) Math.floor(box.x());
    int y0 = (int) Math.floor(box.y());
    int x1 = Math.min(image.getWidth(), (int) Math.ceil(box.right()));
    int y1 = Math.min(image.getHeight(), (int) Math.ceil(box.bottom()));
    double sum = 0;
    long count = 0;
    for (int y = y0; y < y1; y += 2) {
      for (int x = x0; x < x1; x += 2) {
        sum += luma(new Color(image.getRGB(x, y)));
        count++;
      }
    }
    return count == 0 ? 127.5 : sum / count;
  }

  /** ITU-R BT.601 luma, 0–255. */
  static double luma(Color c) {
    return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
  }

  /** Adds zero-mean noise (sum of two uniforms, standard deviation sigma) to every channel. */
  private static void addPixelNoise(BufferedImage image, double sigma, SplittableRandom random) {
    byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    // u1 + u2 - 1 has variance 1/6, hence the sqrt(6)
    double scale = sigma * Math.sqrt(6);
    for (int i = 0; i < pixels.length; i++) {
      int v = (pixels[i] & 0xff) + (int) Math.round((random.nextDouble() + random.nextDouble() - 1) * scale);
      pixels[i] = (byte) Math.max(0, Math.min(255, v));
    }
  }

  private static Color randomColour(SplittableRandom random) {
    return new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
  }

  private static Color withAlpha(Color c, double alpha) {
    return new Color(c.getRed(), c.getGreen(), c.getBlue(), (int) Math.round(255 * alpha));
  }

  private static int between(SplittableRandom random, int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  /** A well-mixed 64-bit seed for scene {@code index} (SplitMix64's finaliser). */
  private static long mix(long seed, int index) {
    long z = seed * 0x9E3779B97F4A7C15L + (index + 1L) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
