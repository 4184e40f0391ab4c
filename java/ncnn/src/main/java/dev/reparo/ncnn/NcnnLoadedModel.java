package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.ncnn_mat_destroy;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import dev.reparo.backend.ImagePlacement;
import dev.reparo.backend.LoadedModel;
import dev.reparo.backend.PreparedInput;
import dev.reparo.ncnn.bridge.ncnn_mat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A converted model running on ncnn. Each {@link #run} opens its own extractor, so concurrent calls
 * are safe; outputs get back the batch axis ncnn drops, as the converted model declares them.
 */
final class NcnnLoadedModel implements LoadedModel {
  private final NcnnModel net;
  private final DeployedModel model;

  NcnnLoadedModel(NcnnModel net, DeployedModel model) {
    this.net = net;
    this.model = model;
  }

  @Override
  public List<Tensor> run(Tensor input) {
    List<Tensor> outputs = new ArrayList<>(model.outputNames().size());
    try (NcnnSession session = net.newSession()) {
      session.input(model.inputName(), input);
      for (int i = 0; i < model.outputNames().size(); i++) {
        Tensor out = session.extract(model.outputNames().get(i));
        outputs.add(withDeclaredShape(out, model.outputShapes().get(i), model.outputNames().get(i), input));
      }
    }
    return outputs;
  }

  /**
   * ncnn returns [C, H, W] where ONNX says [1, C, H, W]. With a fixed-size declaration the shape is
   * restored exactly; for dynamic input sizes the batch axis is put back in front.
   */
  private static Tensor withDeclaredShape(Tensor out, long[] declared, String name, Object input) {
    long declaredCount = 1;
    for (long d : declared) {
      declaredCount = d < 0 ? -1 : declaredCount * d;
      if (declaredCount < 0) {
        break;
      }
    }
    if (declaredCount == out.size()) {
      int[] shape = new int[declared.length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = (int) declared[i];
      }
      return out.reshape(shape);
    }
    if (declared.length == out.rank() + 1) {
      int[] shape = new int[declared.length];
      shape[0] = 1;
      System.arraycopy(out.shape(), 0, shape, 1, out.rank());
      return out.reshape(shape);
    }
    throw new InvalidInputException("output '" + name + "' came back as " + out + " for input " + input
        + ", which does not fit its declared shape " + java.util.Arrays.toString(declared));
  }

  @Override
  public Tensor preprocess(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return NcnnLetterbox.letterbox(bgr, width, height, stride, input);
  }

  @Override
  public List<Tensor> runImage(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    ncnn_mat mat = letterboxMat(bgr, width, height, stride, input);
    try {
      return run(mat, input.placement());
    } finally {
      ncnn_mat_destroy(mat);
    }
  }

  /** The letterboxed image stays a native Mat until it runs: nothing passes through Java. */
  @Override
  public PreparedInput prepare(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return new NcnnPreparedInput(this, letterboxMat(bgr, width, height, stride, input), input.placement());
  }

  private static ncnn_mat letterboxMat(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return Ncnn.letterboxMat(bgr, PixelFormat.BGR, input.rgb(), width, height, stride, input.placement(), input.fill(),
        input.mean(), input.norm());
  }

  /** Runs a letterboxed image held in {@code mat} (which the caller still owns and destroys). */
  List<Tensor> run(ncnn_mat mat, ImagePlacement box) {
    try (NcnnSession session = net.newSession()) {
      session.input(model.inputName(), mat, new int[] {3, box.inputHeight(), box.inputWidth()});
      List<Tensor> outputs = new ArrayList<>(model.outputNames().size());
      for (int i = 0; i < model.outputNames().size(); i++) {
        Tensor out = session.extract(model.outputNames().get(i));
        outputs.add(withDeclaredShape(out, model.outputShapes().get(i), model.outputNames().get(i),
            box.inputWidth() + "x" + box.inputHeight() + " image"));
      }
      return outputs;
    }
  }

  @Override
  public void close() {
    net.close();
  }
}
