package dev.reparo.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.backend.LoadOptions;

/**
 * How {@link LoadOptions} map onto an ONNX Runtime session: {@code threads} becomes the
 * intra-op pool size (0 keeps ONNX Runtime's default, one thread per physical core); a single
 * image per call leaves nothing for inter-op parallelism, so operators run sequentially on one
 * inter-op thread; every graph optimisation is on. {@code fp16} has no CPU equivalent and is
 * ignored. Immutable and thread-safe.
 *
 * @param intraOpThreads 0 for ONNX Runtime's default
 */
record SessionSettings(int intraOpThreads, int interOpThreads, boolean sequential,
    OrtSession.SessionOptions.OptLevel optimization) {

  static SessionSettings from(LoadOptions options) {
    return new SessionSettings(options.threads(), 1, true, OrtSession.SessionOptions.OptLevel.ALL_OPT);
  }

  /** Fresh session options; the caller closes them once the session is created. */
  OrtSession.SessionOptions toSessionOptions() throws OrtException {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      if (intraOpThreads > 0) {
        so.setIntraOpNumThreads(intraOpThreads);
      }
      so.setInterOpNumThreads(interOpThreads);
      so.setExecutionMode(sequential ? OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL
          : OrtSession.SessionOptions.ExecutionMode.PARALLEL);
      so.setOptimizationLevel(optimization);
      return so;
    } catch (OrtException | RuntimeException e) {
      so.close();
      throw e;
    }
  }
}
