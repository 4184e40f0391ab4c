package dev.reparo.cli;

import dev.reparo.backend.DeployedModel;
import dev.reparo.convert.ConversionCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns what a user passes as --model into a converted model. */
final class ModelPaths {
  private ModelPaths() {}

  static DeployedModel resolve(Path model) throws IOException {
    if (Files.isDirectory(model)) {
      return DeployedModel.read(model);
    }
    if (!Files.isRegularFile(model)) {
      throw new CliException(model + ": no such model file");
    }
    String name = model.getFileName().toString();
    if (name.endsWith(".onnx")) {
      return ConversionCache.standard().deploy(model);
    }
    if (name.endsWith(".param") || name.endsWith(".bin") || name.equals(DeployedModel.DESCRIPTOR)) {
      return DeployedModel.read(model.toAbsolutePath().getParent());
    }
    throw new CliException(model + ": unknown model type; expected .onnx, a converted model's .param or model.json, "
        + "or its directory");
  }
}
