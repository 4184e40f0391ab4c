package dev.reparo.detect;

import dev.reparo.backend.PreparedInput;

/**
 * An image made ready for inference by {@link Detector#prepare}: where it lands in the model input
 * and its letterboxed, normalised input, held by the backend (ncnn: in native memory). This is the
 * per-image work before inference that needs no inference session, so a caller can do it on other
 * threads than the one that detects ({@code reparo detect}'s decoders do). Detect in it any number
 * of times, then close it (one left unclosed is released once unreachable). Not thread-safe: use
 * from one thread at a time; it may be handed over between threads.
 *
 * @param letterbox where the image lands in the model input; maps boxes back to image pixels
 * @param input the model input for the image
 */
public record PreparedImage(Letterbox letterbox, PreparedInput input) implements AutoCloseable {
  /** Releases the input; idempotent. */
  @Override
  public void close() {
    input.close();
  }
}
