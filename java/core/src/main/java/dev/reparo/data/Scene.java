package dev.reparo.data;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One generated image and the objects drawn into it, in drawing order (later objects may cover
 * parts of earlier ones), and the boxes of the distractor shapes drawn too (shapes that are none of
 * the classes and are never annotated; only {@link SceneStyle#VARIED} scenes have them).
 *
 * <p>The image is mutable and owned by the caller; a scene is not thread-safe while anyone
 * changes the image.
 */
public record Scene(int index, BufferedImage image, List<SceneObject> objects, List<Box> distractors) {
  public Scene {
    objects = List.copyOf(objects);
    distractors = List.copyOf(distractors);
  }

  /** A scene without distractor shapes. */
  public Scene(int index, BufferedImage image, List<SceneObject> objects) {
    this(index, image, objects, List.of());
  }
}
