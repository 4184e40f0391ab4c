package dev.reparo.data;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One generated image and the objects drawn into it, in drawing order (later objects may cover
 * parts of earlier ones).
 *
 * <p>The image is mutable and owned by the caller; a scene is not thread-safe while anyone
 * changes the image.
 */
public record Scene(int index, BufferedImage image, List<SceneObject> objects) {
  public Scene {
    objects = List.copyOf(objects);
  }
}
