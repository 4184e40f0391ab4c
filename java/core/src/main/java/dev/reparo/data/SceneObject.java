package dev.reparo.data;

import java.awt.Color;

/**
 * One object drawn into a {@link Scene}: its geometry (class, outline, tight box, area) and fill
 * colour.
 *
 * <p>Immutable and thread-safe.
 */
public record SceneObject(ShapeGeometry geometry, Color colour) {
  public ShapeClass shapeClass() {
    return geometry.shapeClass();
  }

  public Box box() {
    return geometry.box();
  }
}
