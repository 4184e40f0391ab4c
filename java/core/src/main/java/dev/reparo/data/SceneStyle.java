package dev.reparo.data;

import dev.reparo.InvalidInputException;
import java.util.Locale;

/**
 * How varied {@link SceneGenerator}'s scenes are.
 *
 * <ul>
 *   <li>{@link #CLASSIC}: the original scenes (gradient, value-noise or flat backgrounds, lines and
 *       blobs, upright crosses, square-proportioned shapes, a little pixel noise). Kept so that
 *       datasets and numbers pinned on them stay reproducible.
 *   <li>{@link #VARIED}: everything of {@link #CLASSIC} plus textured and photo-like backgrounds,
 *       distractor shapes that are none of the classes, stretched and rotated shapes, partial
 *       occlusion, lighting, brightness/contrast/colour cast, blur, noise, JPEG artefacts and some
 *       object-free images. What the demo model is trained on, and {@code reparo synth}'s default.
 * </ul>
 */
public enum SceneStyle {
  CLASSIC,
  VARIED;

  /** The style named {@code name} (case-insensitive). */
  public static SceneStyle parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("unknown scene style '" + name + "' (expected classic or varied)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
