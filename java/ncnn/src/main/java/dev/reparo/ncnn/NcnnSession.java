package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.ncnn_extractor_create;
import static dev.reparo.ncnn.global.ncnn.ncnn_extractor_destroy;
import static dev.reparo.ncnn.global.ncnn.ncnn_extractor_extract;
import static dev.reparo.ncnn.global.ncnn.ncnn_extractor_input;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_destroy;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.ncnn.bridge.ncnn_extractor;
import dev.reparo.ncnn.bridge.ncnn_mat;
import dev.reparo.ncnn.bridge.ncnn_net;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import java.util.Set;

/**
 * One inference over an {@link NcnnModel}: feed inputs, extract outputs, close. Layers run lazily,
 * only as far as the extracted blobs need; blobs computed once are reused within the session.
 *
 * <p><b>Not thread-safe:</b> use a session from one thread at a time; open one session per
 * concurrent inference (sessions are cheap, the model is shared).
 */
public final class NcnnSession implements AutoCloseable {
  private final NcnnModel model;
  private final Set<String> blobs;
  private ncnn_extractor extractor;

  NcnnSession(NcnnModel model, ncnn_net net) {
    this.model = model;
    this.blobs = model.param().blobNames();
    this.extractor = ncnn_extractor_create(net);
  }

  /**
   * Sets a blob's value, normally one of the model's {@linkplain NcnnModel#inputNames() inputs}.
   * Shapes are NCHW with a batch of 1 ([1, C, H, W] or [C, H, W]); [H, W] and [W] for 2-D/1-D.
   *
   * @throws InvalidInputException if the name is unknown or the shape contradicts the Input layer
   */
  public NcnnSession input(String name, Tensor value) {
    checkOpen();
    checkBlob(name);
    checkDeclaredShape(name, value.shape());
    ncnn_mat mat = Mats.fromTensor(value, name);
    try {
      int ret = ncnn_extractor_input(extractor, name, mat);
      if (ret != 0) {
        throw NcnnModel.nativeFailure(model.name(), "set input '" + name + "'", ret);
      }
    } finally {
      ncnn_mat_destroy(mat); // the extractor keeps its own reference to the data
    }
    return this;
  }

  /**
   * Sets an input from a native mat the caller owns (no copy through Java); the shape is checked
   * like {@link #input(String, Tensor)}'s. The caller still destroys {@code mat}.
   */
  NcnnSession input(String name, ncnn_mat mat, int[] chw) {
    checkOpen();
    checkBlob(name);
    checkDeclaredShape(name, chw);
    int ret = ncnn_extractor_input(extractor, name, mat);
    if (ret != 0) {
      throw NcnnModel.nativeFailure(model.name(), "set input '" + name + "'", ret);
    }
    return this;
  }

  /**
   * Computes and returns a blob: [C, H, W] for images (ncnn has no batch axis), [H, W] or [W]
   * for 2-D and 1-D blobs.
   */
  public Tensor extract(String name) {
    checkOpen();
    checkBlob(name);
    ncnn_mat out = new ncnn_mat();
    int ret;
    try (BytePointer blob = new BytePointer(name)) {
      ret = ncnn_extractor_extract(extractor, blob, out);
    }
    try {
      if (ret != 0) {
        throw NcnnModel.nativeFailure(model.name(), "compute blob '" + name + "' (are all inputs set?)", ret);
      }
      return Mats.toTensor(out, name);
    } finally {
      if (!out.isNull()) {
        ncnn_mat_destroy(out);
      }
    }
  }

  /** The native extractor, for code in this package that keeps blobs native (benchmarks). */
  ncnn_extractor extractor() {
    checkOpen();
    return extractor;
  }

  private void checkBlob(String name) {
    if (!blobs.contains(name)) {
      throw new InvalidInputException("model " + model.name() + " has no blob '" + name + "'; inputs: "
          + model.inputNames() + ", outputs: " + model.outputNames());
    }
  }

  /** Input layers may declare w (param 0), h (1) and c (2); a declared, non-zero size must match. */
  private void checkDeclaredShape(String name, int[] s) {
    int rank = s.length;
    for (NcnnParam.Layer layer : model.param().inputs()) {
      if (!layer.tops().contains(name)) {
        continue;
      }
      int[] declaredWhc = {layer.intParam(0, 0), layer.intParam(1, 0), layer.intParam(2, 0)};
      for (int axis = 0; axis < 3 && axis < rank; axis++) {
        int declared = declaredWhc[axis];
        if (declared > 0 && s[rank - 1 - axis] != declared) {
          throw new InvalidInputException("input '" + name + "' of model " + model.name() + " has shape "
              + Arrays.toString(s) + " but its Input layer declares (w, h, c) = " + Arrays.toString(declaredWhc)
              + " (0 = any)");
        }
      }
    }
  }

  private void checkOpen() {
    if (extractor == null) {
      throw new IllegalStateException("session is closed");
    }
  }

  /** Releases the extractor and its blobs. Idempotent. */
  @Override
  public void close() {
    if (extractor != null) {
      ncnn_extractor_destroy(extractor);
      extractor = null;
      model.sessionClosed();
    }
  }
}
