package dev.reparo.data;

import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.util.SplittableRandom;

/**
 * Filled shapes that are none of the six {@link ShapeClass}es, for {@link SceneStyle#VARIED}
 * scenes: crescents, arrows, hearts, long bars, L-shapes, elongated ellipses (at least 2.2:1, so
 * never a circle), half discs and chevrons. A detector that has seen them learns that "a filled
 * shape that stands out" is not enough to be an object. They are never annotated.
 *
 * <p>Stateless; rotations use {@link StrictMath} through the random angle only.
 */
final class Distractors {
  static final int KINDS = 8;

  private Distractors() {}

  /**
   * A random distractor centred on {@code (cx, cy)} whose larger extent is about {@code size},
   * at a random rotation.
   */
  static Shape create(double cx, double cy, double size, SplittableRandom random) {
    double s = size / 2;
    Shape shape = switch (random.nextInt(KINDS)) {
      case 0 -> { // crescent: a disc minus an offset disc
        Area disc = new Area(new Ellipse2D.Double(-s, -s, 2 * s, 2 * s));
        double off = s * (0.35 + 0.4 * random.nextDouble());
        disc.subtract(new Area(new Ellipse2D.Double(-s + off, -s, 2 * s, 2 * s)));
        yield disc;
      }
      case 1 -> polygon(new double[] {-1, -0.2, 0.2, -0.2, 0.2, -0.55, 1, 0, 0.2, 0.55, 0.2, 0.2,
          -1, 0.2}, s); // arrow
      case 2 -> heart(s);
      case 3 -> { // long bar, 3:1 to 8:1, rounded ends or not
        double t = 2 * s / (3 + 5 * random.nextDouble());
        double arc = random.nextBoolean() ? t : 0;
        yield new RoundRectangle2D.Double(-s, -t / 2, 2 * s, t, arc, arc);
      }
      case 4 -> { // L-shape with arms 0.25-0.45 wide
        double a = 0.25 + 0.2 * random.nextDouble();
        yield polygon(new double[] {-1, -1, -1 + 2 * a, -1, -1 + 2 * a, 1 - 2 * a, 1, 1 - 2 * a, 1, 1,
            -1, 1}, s);
      }
      case 5 -> { // ellipse, 2.2:1 to 4:1
        double b = s / (2.2 + 1.8 * random.nextDouble());
        yield new Ellipse2D.Double(-s, -b, 2 * s, 2 * b);
      }
      case 6 -> new Arc2D.Double(-s, -s, 2 * s, 2 * s, 0, 180, Arc2D.PIE); // half disc
      default -> polygon(new double[] {-1, -1, 0, -0.2, 1, -1, 1, -0.4, 0, 0.6, -1, -0.4}, s); // chevron
    };
    AffineTransform t = AffineTransform.getTranslateInstance(cx, cy);
    t.rotate(2 * Math.PI * random.nextDouble());
    return t.createTransformedShape(shape);
  }

  private static Shape polygon(double[] xy, double scale) {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(xy[0] * scale, xy[1] * scale);
    for (int i = 2; i < xy.length; i += 2) {
      path.lineTo(xy[i] * scale, xy[i + 1] * scale);
    }
    path.closePath();
    return path;
  }

  private static Shape heart(double s) {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(0, s);
    path.curveTo(-1.3 * s, 0, -0.9 * s, -1.1 * s, 0, -0.45 * s);
    path.curveTo(0.9 * s, -1.1 * s, 1.3 * s, 0, 0, s);
    path.closePath();
    return path;
  }
}
