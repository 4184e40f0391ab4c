package dev.reparo.ncnn;

import dev.reparo.Tensor;
import dev.reparo.backend.NativeLetterbox;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.ModelMetadata;
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
  public Tensor apply(ByteBuffer bgr, int width, int height, int stride, Letterbox box, ModelMetadata meta) {
    Tensor chw = Ncnn.letterbox(bgr, PixelFormat.BGR, meta.rgb(), width, height, stride, box, meta.letterboxFill(),
        meta.pixelMean(), meta.pixelNorm());
    return chw.reshape(1, chw.dim(0), chw.dim(1), chw.dim(2));
  }
}
