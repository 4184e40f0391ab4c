package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.ncnn_mat_create_1d;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_create_2d;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_create_3d;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_c;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_channel_data;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_d;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_data;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_dims;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_elempack;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_elemsize;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_h;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_get_w;

import dev.reparo.InvalidInputException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.ncnn.bridge.ncnn_allocator;
import dev.reparo.ncnn.bridge.ncnn_mat;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Copies between {@link Tensor} (dense, row-major) and ncnn's Mat, whose channels start at
 * 16-byte-aligned offsets ({@code cstep}) rather than back to back.
 *
 * <p>Shapes map as: [W] - 1-D, [H, W] - 2-D, [C, H, W] or [1, C, H, W] - 3-D; ncnn's 4-D
 * [C, D, H, W] comes back as such.
 */
final class Mats {
  private Mats() {}

  /** A new Mat holding the tensor's values; the caller destroys it. */
  static ncnn_mat fromTensor(Tensor t, String name) {
    int[] s = t.shape();
    if (s.length == 4 && s[0] != 1) {
      throw new InvalidInputException("input '" + name + "' has batch size " + s[0]
          + "; ncnn runs one image at a time, pass a batch of 1");
    }
    ncnn_mat mat;
    switch (s.length) {
      case 1 -> mat = ncnn_mat_create_1d(s[0], (ncnn_allocator) null);
      case 2 -> mat = ncnn_mat_create_2d(s[1], s[0], (ncnn_allocator) null);
      case 3 -> mat = ncnn_mat_create_3d(s[2], s[1], s[0], (ncnn_allocator) null);
      case 4 -> mat = ncnn_mat_create_3d(s[3], s[2], s[1], (ncnn_allocator) null);
      default -> throw new InvalidInputException("input '" + name + "' has rank " + s.length
          + " " + Arrays.toString(s) + "; ncnn takes rank 1 to 4");
    }
    if (mat == null || mat.isNull() || t.size() > 0 && ncnn_mat_get_data(mat).isNull()) {
      throw new ReparoException("ncnn could not allocate input '" + name + "' of shape " + Arrays.toString(s));
    }
    int channels = s.length >= 3 ? s[s.length - 3] : 1;
    int plane = channels == 0 ? 0 : t.size() / channels;
    for (int c = 0; c < channels; c++) {
      new FloatPointer(channel(mat, c, s.length)).put(t.data(), c * plane, plane);
    }
    return mat;
  }

  /** The Mat's values as a new tensor; the caller still owns (and destroys) the Mat. */
  static Tensor toTensor(ncnn_mat mat, String name) {
    int dims = ncnn_mat_get_dims(mat);
    if (ncnn_mat_get_elemsize(mat) != 4 || ncnn_mat_get_elempack(mat) != 1) {
      throw new ReparoException("ncnn returned blob '" + name + "' as " + ncnn_mat_get_elemsize(mat)
          + "-byte elements packed by " + ncnn_mat_get_elempack(mat) + ", expected unpacked float32");
    }
    int w = ncnn_mat_get_w(mat);
    int h = ncnn_mat_get_h(mat);
    int d = ncnn_mat_get_d(mat);
    int c = ncnn_mat_get_c(mat);
    int[] shape = switch (dims) {
      case 1 -> new int[] {w};
      case 2 -> new int[] {h, w};
      case 3 -> new int[] {c, h, w};
      case 4 -> new int[] {c, d, h, w};
      default -> throw new ReparoException("ncnn returned blob '" + name + "' with " + dims + " dims (empty?)");
    };
    Tensor t = Tensor.zeros(shape);
    int channels = dims >= 3 ? c : 1;
    int plane = channels == 0 ? 0 : t.size() / channels;
    for (int ch = 0; ch < channels; ch++) {
      new FloatPointer(channel(mat, ch, dims)).get(t.data(), ch * plane, plane);
    }
    return t;
  }

  private static Pointer channel(ncnn_mat mat, int c, int dims) {
    return dims >= 3 ? ncnn_mat_get_channel_data(mat, c) : ncnn_mat_get_data(mat);
  }
}
