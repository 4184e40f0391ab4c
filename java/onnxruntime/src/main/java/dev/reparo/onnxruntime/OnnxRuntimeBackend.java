package dev.reparo.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.Backend;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import java.nio.file.Path;

/**
 * The ONNX Runtime {@link Backend} (CPU execution provider): runs a converted model's fused ONNX
 * ({@link Artefact#ONNX}), or, for an int8 model written by {@code reparo calibrate}, its Q/DQ
 * ONNX ({@link Artefact#ONNX_QDQ}). Registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services}. Stateless and thread-safe.
 */
public final class OnnxRuntimeBackend implements Backend {
  @Override
  public BackendKind kind() {
    return BackendKind.ONNXRUNTIME;
  }

  @Override
  public String describe() {
    return "onnxruntime " + OrtEnvironment.getEnvironment().getVersion();
  }

  @Override
  public boolean isAvailable() {
    return unavailableReason().isEmpty();
  }

  @Override
  public String unavailableReason() {
    try {
      OrtEnvironment.getEnvironment();
      return "";
    } catch (RuntimeException | LinkageError e) {
      return "the ONNX Runtime native library did not load (" + e.getMessage()
          + "); this platform may not be among those the onnxruntime jar ships";
    }
  }

  @Override
  public LoadedModel load(DeployedModel model, LoadOptions options) {
    Path onnx = model.has(Artefact.ONNX_QDQ) ? model.file(Artefact.ONNX_QDQ) : model.file(Artefact.ONNX);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = SessionSettings.from(options).toSessionOptions()) {
      OrtSession session;
      try {
        session = env.createSession(onnx.toString(), so);
      } catch (OrtException e) {
        throw new ModelFormatException(onnx + ": ONNX Runtime cannot load it: " + e.getMessage());
      }
      return new OnnxRuntimeModel(env, session, model);
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime session options were refused: " + e.getMessage(), e);
    }
  }
}
