package dev.reparo.convert;

import dev.reparo.ModelFormatException;
import dev.reparo.backend.DeployedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns what a user names as a model into a converted model: an {@code .onnx} (converted through
 * the {@link ConversionCache#standard() standard cache}), or a converted model's directory, its
 * {@code model.json}, {@code .param} or {@code .bin}. Stateless and thread-safe.
 */
public final class ModelLocator {
  private ModelLocator() {}

  /**
   * As {@link #locate(Path, boolean)} with the outputs as exported.
   *
   * @throws ModelFormatException naming the path when it is missing or of an unknown kind
   */
  public static DeployedModel locate(Path model) throws IOException {
    return locate(model, false);
  }

  /**
   * @param rawHead for an {@code .onnx}: convert it with the decode cut off its head where that
   *     applies ({@link ConversionCache#deploy(Path, boolean)}); a converted model is taken as it is
   * @throws ModelFormatException naming the path when it is missing or of an unknown kind
   */
  public static DeployedModel locate(Path model, boolean rawHead) throws IOException {
    if (Files.isDirectory(model)) {
      return DeployedModel.read(model);
    }
    if (!Files.isRegularFile(model)) {
      throw new ModelFormatException(model + ": no such model file");
    }
    String name = model.getFileName().toString();
    if (name.endsWith(".onnx")) {
      return ConversionCache.standard().deploy(model, rawHead);
    }
    if (name.equals(DeployedModel.DESCRIPTOR) || name.endsWith(".param") || name.endsWith(".bin")) {
      return DeployedModel.read(model.toAbsolutePath().getParent());
    }
    throw new ModelFormatException(model + ": unknown model type; expected .onnx, a converted model's .param or "
        + "model.json, or its directory (written by reparo convert)");
  }
}
