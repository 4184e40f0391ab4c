package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.ncnn_extractor_extract;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_destroy;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_c;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_h;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_w;

import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import dev.reparo.ncnn.bridge.ncnn_extractor;
import dev.reparo.ncnn.bridge.ncnn_mat;
import java.nio.ByteBuffer;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;

/**
 * Benchmarks only: ncnn inference with nothing of Reparo's around it — the input already a native
 * mat, the outputs left native. The baseline that {@code detect()}'s overhead is measured against.
 * Lives in the ncnn backend's package for its package-private session access. Not thread-safe.
 */
public final class NativeInference implements AutoCloseable {
  private final NcnnModel net;
  private final String inputName;
  private final int[] chw;
  private final BytePointer[] outputs;
  private ncnn_mat input;

  public NativeInference(DeployedModel model, int threads, Tensor input) {
    this.net = NcnnModel.load(model.file(dev.reparo.backend.Artefact.NCNN_PARAM), model.file(dev.reparo.backend.Artefact.NCNN_BIN),
        NcnnOptions.builder().threads(threads).build());
    this.inputName = model.inputName();
    int[] s = input.shape();
    this.chw = new int[] {s[s.length - 3], s[s.length - 2], s[s.length - 1]};
    this.input = Mats.fromTensor(input, inputName);
    List<String> names = model.outputNames();
    this.outputs = new BytePointer[names.size()];
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = new BytePointer(names.get(i));
    }
  }

  /**
   * Letterboxes a new frame into the input mat, as {@code detect} does before its inference: run
   * untimed before each timed {@link #run} so that the inference meets the caches a pipeline's
   * inference meets, not a tensor left hot by the previous run.
   */
  public void letterbox(ByteBuffer bgr, int width, int height, int stride, ImageInput in) {
    ncnn_mat fresh = Ncnn.letterboxMat(bgr, PixelFormat.BGR, in.rgb(), width, height, stride, in.placement(),
        in.fill(), in.mean(), in.norm());
    ncnn_mat_destroy(input);
    input = fresh;
  }

  /** {@link #letterbox} with ncnn's own three calls (how Reparo letterboxed before its one-pass kernel). */
  public void letterboxByNcnnCalls(ByteBuffer bgr, int width, int height, int stride, ImageInput in) {
    ncnn_mat fresh = Ncnn.letterboxMatByNcnnCalls(bgr, PixelFormat.BGR, in.rgb(), width, height, stride,
        in.placement(), in.fill(), in.mean(), in.norm());
    ncnn_mat_destroy(input);
    input = fresh;
  }

  /** One inference; returns the sum of the output element counts (so the work cannot be elided). */
  public long run() {
    long elements = 0;
    try (NcnnSession session = net.newSession()) {
      session.input(inputName, input, chw);
      ncnn_extractor extractor = session.extractor();
      for (BytePointer name : outputs) {
        ncnn_mat out = new ncnn_mat();
        if (ncnn_extractor_extract(extractor, name, out) != 0) {
          throw new IllegalStateException("extract failed");
        }
        elements += (long) ncnn_mat_get_w(out) * ncnn_mat_get_h(out) * ncnn_mat_get_c(out);
        ncnn_mat_destroy(out);
      }
    }
    return elements;
  }

  @Override
  public void close() {
    ncnn_mat_destroy(input);
    for (BytePointer p : outputs) {
      p.close();
    }
    net.close();
  }
}
