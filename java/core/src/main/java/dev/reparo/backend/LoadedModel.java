package dev.reparo.backend;

import dev.reparo.Tensor;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A model loaded into a backend, ready to run. Implementations must be safe for concurrent
 * {@link #run}, {@link #runBatch}, {@link #preprocess} and {@link #prepare} calls from many threads; {@link #close} must be called once
 * no call is in flight (it is idempotent).
 */
public interface LoadedModel extends AutoCloseable {
  /**
   * Runs one input tensor {@code [1, 3, H, W]} and returns the outputs in the model's output order.
   *
   * @throws dev.reparo.InvalidInputException if the tensor does not fit the model
   */
  List<Tensor> run(Tensor input);

  /**
   * Interleaved 8-bit BGR pixels ({@code stride} bytes per row) into a normalised {@code [1, 3, H, W]}
   * input as {@code input} says (placement, fill, mean/norm, channel order), natively where the
   * backend can.
   */
  Tensor preprocess(ByteBuffer bgr, int width, int height, int stride, ImageInput input);

  /**
   * Pre-processes for a later run, possibly on another thread: {@code prepare(...).run()} returns
   * what {@link #runImage} does. The default holds {@link #preprocess}'s tensor; backends override
   * it to keep the input where they run it from.
   */
  default PreparedInput prepare(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return PreparedInput.of(this, preprocess(bgr, width, height, stride, input));
  }

  /**
   * Pre-processes and runs in one step: {@code run(preprocess(...))}, which backends override to
   * keep the input tensor in native memory.
   */
  default List<Tensor> runImage(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return run(preprocess(bgr, width, height, stride, input));
  }

  /**
   * The most inputs {@link #runBatch} puts into one run: 1 (the default) where every image runs
   * alone (ncnn, which has no batch axis; models whose input declares a batch of 1); more where the
   * backend stacks images into one {@code [N, 3, H, W]} run.
   */
  default int maxBatch() {
    return 1;
  }

  /**
   * Runs several inputs {@code [1, 3, H, W]} and returns each one's outputs (as {@link #run} would,
   * batch axis 1) in the order of {@code inputs}. The default runs them one at a time; backends whose
   * {@link #maxBatch} is more than 1 stack up to that many inputs of equal shape into one run and
   * split the outputs along their first axis.
   *
   * @throws dev.reparo.InvalidInputException if an input does not fit the model
   */
  default List<List<Tensor>> runBatch(List<Tensor> inputs) {
    List<List<Tensor>> outputs = new java.util.ArrayList<>(inputs.size());
    for (Tensor input : inputs) {
      outputs.add(run(input));
    }
    return outputs;
  }

  @Override
  void close();
}
