package dev.reparo.backend;

import dev.reparo.Tensor;
import java.util.List;

/**
 * One image's model input, pre-processed by {@link LoadedModel#prepare} and held where the backend
 * runs it from (for ncnn, native memory), so that running it later, on another thread, costs no
 * pre-processing and no copy. Run it any number of times, then close it; one left unclosed is
 * released once unreachable. Not thread-safe: use from one thread at a time (it may be handed
 * from the thread that prepared it to the one that runs it).
 */
public interface PreparedInput extends AutoCloseable {
  /**
   * Runs the model that prepared this input; outputs as {@link LoadedModel#run} returns them.
   *
   * @throws IllegalStateException after {@link #close}
   */
  List<Tensor> run();

  /** Releases the input; idempotent. */
  @Override
  void close();

  /** An input held as a tensor and run by {@code model}: the form for backends that keep nothing native. */
  static PreparedInput of(LoadedModel model, Tensor input) {
    return new PreparedInput() {
      private Tensor held = input;

      @Override
      public List<Tensor> run() {
        if (held == null) {
          throw new IllegalStateException("prepared input is closed");
        }
        return model.run(held);
      }

      @Override
      public void close() {
        held = null;
      }
    };
  }
}
