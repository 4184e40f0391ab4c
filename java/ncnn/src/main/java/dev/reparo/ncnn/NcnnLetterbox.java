package dev.reparo.ncnn;

import dev.reparo.Tensor;
import dev.reparo.backend.ImageInput;
import dev.reparo.backend.NativeLetterbox;
import java.nio.ByteBuffer;

/**
 * ncnn's letterbox ({@link Ncnn#letterbox}) for the other backends, registered for
 * {@link java.util.ServiceLoader}. Stateless and thread-safe.
 */
public final class NcnnLetterbox implements NativeLetterbox {
  @Override
  public boolean isAvailable() {
    return new NcnnBackend().isAvailable();
  }

  @Override
  public Tensor apply(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return letterbox(bgr, width, height, stride, input);
  }

  /** {@link Ncnn#letterbox} of BGR pixels as {@code input} says, as a {@code [1, 3, H, W]} tensor. */
  static Tensor letterbox(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    Tensor chw = Ncnn.letterbox(bgr, PixelFormat.BGR, input.rgb(), width, height, stride, input.placement(),
        input.fill(), input.mean(), input.norm());
    return chw.reshape(1, chw.dim(0), chw.dim(1), chw.dim(2));
  }
}
