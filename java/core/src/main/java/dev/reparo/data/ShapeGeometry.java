package dev.reparo.data;

import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.util.random.RandomGenerator;

/**
 * The outline of one object, its exact tight box and its exact area.
 *
 * <p>Shapes are built so that the larger side of the tight box equals the requested size, with
 * the box's top-left corner at the origin; {@link #translate} places them. The box comes from the
 * geometry (circle extents, polygon vertices), not from rasterisation; the tests check it against
 * the rendered mask. Angles use {@link StrictMath} so that a seed gives the same bytes on every
 * JVM.
 *
 * <p>Immutable (the outline is never handed out mutable) and thread-safe.
 */
public final class ShapeGeometry {
  /** Inner to outer radius of a regular five-pointed star {@code {5/2}}. */
  private static final double STAR_INNER_RATIO =
      StrictMath.sin(StrictMath.toRadians(18)) / StrictMath.sin(StrictMath.toRadians(54));
  /** Arm width of the cross as a fraction of its size. */
  static final double CROSS_ARM = 0.3;

  private final ShapeClass shapeClass;
  private final Shape outline;
  private final Box box;
  private final double area;

  private ShapeGeometry(ShapeClass shapeClass, Shape outline, Box box, double area) {
    this.shapeClass = shapeClass;
    this.outline = outline;
    this.box = box;
    this.area = area;
  }

  /**
   * A shape of the given class whose tight box has {@code size} as its larger side, with random
   * rotation (and ring thickness) drawn from {@code random}.
   */
  public static ShapeGeometry create(ShapeClass shapeClass, double size, RandomGenerator random) {
    double r = size / 2;
    switch (shapeClass) {
      case CIRCLE:
        return new ShapeGeometry(shapeClass, new Ellipse2D.Double(0, 0, size, size),
            new Box(0, 0, size, size), Math.PI * r * r);
      case RING: {
        double inner = r * (0.5 + 0.2 * random.nextDouble());
        Path2D.Double ring = new Path2D.Double(Path2D.WIND_EVEN_ODD);
        ring.append(new Ellipse2D.Double(0, 0, size, size), false);
        ring.append(new Ellipse2D.Double(r - inner, r - inner, 2 * inner, 2 * inner), false);
        return new ShapeGeometry(shapeClass, ring, new Box(0, 0, size, size),
            Math.PI * (r * r - inner * inner));
      }
      case SQUARE:
        return polygon(shapeClass, regular(4, 1, 45 + 45 * random.nextDouble(), 0), size);
      case TRIANGLE:
        return polygon(shapeClass, regular(3, 1, 360 * random.nextDouble(), 0), size);
      case STAR:
        return polygon(shapeClass, regular(5, 1, 360 * random.nextDouble(), STAR_INNER_RATIO), size);
      case CROSS:
        return polygon(shapeClass, cross(), size);
      default:
        throw new AssertionError(shapeClass);
    }
  }

  /**
   * Like {@link #create(ShapeClass, double, RandomGenerator)}, then stretched by {@code aspect}
   * (about 0.8-1.25; 1 keeps the proportions) along the axis at {@code stretchDegrees} and turned
   * by {@code turnDegrees}, the tight box again having {@code size} as its larger side. Circles
   * and rings become axis-aligned ellipses (width:height = aspect; turning them is not needed).
   */
  public static ShapeGeometry create(ShapeClass shapeClass, double size, double aspect,
      double stretchDegrees, double turnDegrees, RandomGenerator random) {
    if (!(aspect > 0) || Double.isInfinite(aspect)) {
      throw new IllegalArgumentException("aspect must be positive: " + aspect);
    }
    double w = aspect >= 1 ? size : size * aspect;
    double h = aspect >= 1 ? size / aspect : size;
    switch (shapeClass) {
      case CIRCLE:
        return new ShapeGeometry(shapeClass, new Ellipse2D.Double(0, 0, w, h), new Box(0, 0, w, h),
            Math.PI * w * h / 4);
      case RING: {
        double k = 0.5 + 0.2 * random.nextDouble();
        Path2D.Double ring = new Path2D.Double(Path2D.WIND_EVEN_ODD);
        ring.append(new Ellipse2D.Double(0, 0, w, h), false);
        ring.append(new Ellipse2D.Double(w / 2 * (1 - k), h / 2 * (1 - k), w * k, h * k), false);
        return new ShapeGeometry(shapeClass, ring, new Box(0, 0, w, h),
            Math.PI * w * h / 4 * (1 - k * k));
      }
      case SQUARE:
        return polygon(shapeClass, transform(regular(4, 1, 45 + 45 * random.nextDouble(), 0),
            aspect, stretchDegrees, turnDegrees), size);
      case TRIANGLE:
        return polygon(shapeClass, transform(regular(3, 1, 360 * random.nextDouble(), 0),
            aspect, stretchDegrees, turnDegrees), size);
      case STAR:
        return polygon(shapeClass, transform(regular(5, 1, 360 * random.nextDouble(),
            STAR_INNER_RATIO), aspect, stretchDegrees, turnDegrees), size);
      case CROSS:
        return polygon(shapeClass, transform(cross(), aspect, stretchDegrees, turnDegrees), size);
      default:
        throw new AssertionError(shapeClass);
    }
  }

  /** The vertices stretched by aspect along the axis at stretchDegrees, then turned. */
  private static double[] transform(double[] xy, double aspect, double stretchDegrees,
      double turnDegrees) {
    double a = StrictMath.toRadians(stretchDegrees);
    double c = StrictMath.cos(a);
    double s = StrictMath.sin(a);
    double t = StrictMath.toRadians(turnDegrees);
    double ct = StrictMath.cos(t);
    double st = StrictMath.sin(t);
    double[] out = new double[xy.length];
    for (int i = 0; i < xy.length; i += 2) {
      // into the stretch axis' frame, stretch, back, then turn
      double u = (xy[i] * c + xy[i + 1] * s) * aspect;
      double v = -xy[i] * s + xy[i + 1] * c;
      double x = u * c - v * s;
      double y = u * s + v * c;
      out[i] = x * ct - y * st;
      out[i + 1] = x * st + y * ct;
    }
    return out;
  }

  /**
   * Vertices {@code x0, y0, x1, y1, ...} of a regular n-gon with circumradius {@code radius}, the
   * first vertex at {@code startDegrees}; with {@code innerRatio > 0} a star with n points whose
   * inner vertices lie at {@code innerRatio * radius}.
   */
  private static double[] regular(int n, double radius, double startDegrees, double innerRatio) {
    int points = innerRatio > 0 ? 2 * n : n;
    double[] xy = new double[2 * points];
    for (int i = 0; i < points; i++) {
      double a = StrictMath.toRadians(startDegrees + 360.0 * i / points);
      double rr = innerRatio > 0 && i % 2 == 1 ? radius * innerRatio : radius;
      xy[2 * i] = rr * StrictMath.cos(a);
      xy[2 * i + 1] = rr * StrictMath.sin(a);
    }
    return xy;
  }

  /** A plus sign of size 1 centred on the origin, arms {@link #CROSS_ARM} wide. */
  private static double[] cross() {
    double h = 0.5;
    double a = CROSS_ARM / 2;
    return new double[] {
      -a, -h, a, -h, a, -a, h, -a, h, a, a, a, a, h, -a, h, -a, a, -h, a, -h, -a, -a, -a
    };
  }

  /** Scales the polygon so that its box's larger side is {@code size}; moves the box to (0, 0). */
  private static ShapeGeometry polygon(ShapeClass shapeClass, double[] xy, double size) {
    double minX = Double.POSITIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < xy.length; i += 2) {
      minX = Math.min(minX, xy[i]);
      maxX = Math.max(maxX, xy[i]);
      minY = Math.min(minY, xy[i + 1]);
      maxY = Math.max(maxY, xy[i + 1]);
    }
    double scale = size / Math.max(maxX - minX, maxY - minY);
    Path2D.Double path = new Path2D.Double(Path2D.WIND_NON_ZERO);
    double twiceArea = 0;
    int n = xy.length / 2;
    for (int i = 0; i < n; i++) {
      double px = (xy[2 * i] - minX) * scale;
      double py = (xy[2 * i + 1] - minY) * scale;
      if (i == 0) {
        path.moveTo(px, py);
      } else {
        path.lineTo(px, py);
      }
      int j = (i + 1) % n;
      // shoelace on the unscaled vertices; scaled by scale^2 below
      twiceArea += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
    }
    path.closePath();
    Box box = new Box(0, 0, (maxX - minX) * scale, (maxY - minY) * scale);
    return new ShapeGeometry(shapeClass, path, box, Math.abs(twiceArea) / 2 * scale * scale);
  }

  /** This shape moved by {@code (dx, dy)}. */
  public ShapeGeometry translate(double dx, double dy) {
    Shape moved = AffineTransform.getTranslateInstance(dx, dy).createTransformedShape(outline);
    return new ShapeGeometry(shapeClass, moved, box.translate(dx, dy), area);
  }

  public ShapeClass shapeClass() {
    return shapeClass;
  }

  /** The outline to fill (a copy; rings use the even-odd rule). */
  public Shape outline() {
    return new Path2D.Double(outline);
  }

  /** The tight axis-aligned box of the outline. */
  public Box box() {
    return box;
  }

  /** The filled area in square pixels. */
  public double area() {
    return area;
  }
}
