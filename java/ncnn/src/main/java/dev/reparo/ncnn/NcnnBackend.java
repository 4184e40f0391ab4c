package dev.reparo.ncnn;

import dev.reparo.backend.Artefact;
import dev.reparo.backend.Backend;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;

/**
 * The ncnn {@link Backend}: loads a converted model's {@code .param}/{@code .bin}. Registered for
 * {@link java.util.ServiceLoader} in {@code META-INF/services}. Stateless and thread-safe.
 */
public final class NcnnBackend implements Backend {
  @Override
  public BackendKind kind() {
    return BackendKind.NCNN;
  }

  @Override
  public String describe() {
    return "ncnn " + Ncnn.version();
  }

  @Override
  public boolean isAvailable() {
    return unavailableReason().isEmpty();
  }

  @Override
  public String unavailableReason() {
    try {
      Ncnn.ensureLoaded();
      return "";
    } catch (RuntimeException | LinkageError e) {
      return "the ncnn native library did not load (" + e.getMessage()
          + "); is the reparo-ncnn-presets jar for this platform on the classpath?";
    }
  }

  @Override
  public LoadedModel load(DeployedModel model, LoadOptions options) {
    NcnnOptions.Builder o = NcnnOptions.builder().fp16Storage(options.fp16()).fp16Arithmetic(options.fp16());
    if (options.threads() > 0) {
      o.threads(options.threads());
    }
    NcnnModel net = NcnnModel.load(model.file(Artefact.NCNN_PARAM), model.file(Artefact.NCNN_BIN), o.build());
    return new NcnnLoadedModel(net, model);
  }
}
