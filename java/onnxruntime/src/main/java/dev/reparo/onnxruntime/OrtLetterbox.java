package dev.reparo.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.InvalidInputException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.ImagePlacement;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * YOLO letterboxing run by ONNX Runtime itself, so that no Java loop touches a pixel: a small ONNX
 * graph takes the caller's 8-bit rows as they are and does crop-to-width, HWC→NCHW, channel order,
 * bilinear resize, constant padding with the fill value and per-channel normalisation
 * {@code (level − mean[c]) · norm[c]} (ncnn's {@code substract_mean_normalize}).
 *
 * <p>The resize reproduces ncnn's 8-bit bilinear resize ({@code from_pixels_resize}, the same
 * fixed-point scheme as OpenCV's 8-bit {@code INTER_LINEAR}) exactly, so every backend sees the same
 * input tensor for the same image: half-pixel centres, edge-clamped taps, weights in 11-bit fixed
 * point, a horizontal pass kept at 7 fractional bits and a vertical pass rounded to whole 8-bit
 * levels. The per-column and per-row taps and weights (O(width + height) numbers) are computed
 * here; the per-pixel work is integer Gather/Mul/Div in the graph:
 *
 * <pre>
 *   pixels u8[H, stride] → Slice(row_bytes) → Reshape[1,H,W,3] → Transpose → Gather(channels) → Cast(int32)
 *     → (Gather(x0)·a0 + Gather(x1)·a1) / 16                                 horizontal, [1,3,H,rw]
 *     → ((Gather(y0)·b0) / 65536 + (Gather(y1)·b1) / 65536 + 2) / 4           vertical, [1,3,rh,rw]
 *     → Cast(float) → Pad(pads, fill) → Sub(mean) → Mul(norm)                  f32[1,3,IH,IW]
 * </pre>
 *
 * Thread-safe (one shared session); {@link #close} once no call is in flight.
 */
public final class OrtLetterbox implements AutoCloseable {
  /** Bilinear weights are fixed point with this many fractional bits (ncnn, OpenCV). */
  static final int COEF_BITS = 11;
  private static final byte[] GRAPH = OnnxWriter.toBytes(graph());

  private final OrtEnvironment env;
  private final OrtSession session;

  /** Opens the letterbox graph in ONNX Runtime (one single-threaded session). */
  public OrtLetterbox() {
    this(OrtEnvironment.getEnvironment());
  }

  OrtLetterbox(OrtEnvironment env) {
    this.env = env;
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      so.setInterOpNumThreads(1);
      this.session = env.createSession(GRAPH, so);
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime refused the letterbox graph: " + e.getMessage(), e);
    }
  }

  /** The pre-processing graph (opset 13). */
  static Graph graph() {
    Graph g = new Graph("reparo_letterbox", 13);
    g.addInput(ValueInfo.of("pixels", DataType.UINT8, -1, -1));
    g.addInput(ValueInfo.of("row_bytes", DataType.INT64, 1));
    g.addInput(ValueInfo.of("nhwc_shape", DataType.INT64, 4));
    g.addInput(ValueInfo.of("channels", DataType.INT64, 3));
    g.addInput(ValueInfo.of("x0", DataType.INT64, -1));
    g.addInput(ValueInfo.of("x1", DataType.INT64, -1));
    g.addInput(ValueInfo.of("a0", DataType.INT32, -1));
    g.addInput(ValueInfo.of("a1", DataType.INT32, -1));
    g.addInput(ValueInfo.of("y0", DataType.INT64, -1));
    g.addInput(ValueInfo.of("y1", DataType.INT64, -1));
    g.addInput(ValueInfo.of("b0", DataType.INT32, -1, 1));
    g.addInput(ValueInfo.of("b1", DataType.INT32, -1, 1));
    g.addInput(ValueInfo.of("pads", DataType.INT64, 8));
    g.addInput(ValueInfo.of("fill", DataType.FLOAT));
    g.addInput(ValueInfo.of("mean", DataType.FLOAT, 1, 3, 1, 1));
    g.addInput(ValueInfo.of("norm", DataType.FLOAT, 1, 3, 1, 1));
    g.putInitializer("zero", LongTensor.vector(0));
    g.putInitializer("one", LongTensor.vector(1));
    g.putInitializer("c2", LongTensor.of(DataType.INT32, new long[] {2}));
    g.putInitializer("c4", LongTensor.of(DataType.INT32, new long[] {4}));
    g.putInitializer("c16", LongTensor.of(DataType.INT32, new long[] {16}));
    g.putInitializer("c65536", LongTensor.of(DataType.INT32, new long[] {65536}));
    node(g, "Slice", "rows", "pixels", "zero", "row_bytes", "one");
    node(g, "Reshape", "nhwc", "rows", "nhwc_shape");
    g.addNode(Node.builder("Transpose").name("nchw").inputs("nhwc").outputs("nchw").intsAttr("perm", 0, 3, 1, 2)
        .build());
    g.addNode(Node.builder("Gather").name("ordered").inputs("nchw", "channels").outputs("ordered").intAttr("axis", 1)
        .build());
    g.addNode(Node.builder("Cast").name("levels").inputs("ordered").outputs("levels")
        .intAttr("to", DataType.INT32.onnxCode()).build());
    // Horizontal pass: 8-bit levels × 11-bit weights, kept at 7 fractional bits (>> 4).
    g.addNode(Node.builder("Gather").name("left").inputs("levels", "x0").outputs("left").intAttr("axis", 3).build());
    g.addNode(Node.builder("Gather").name("right").inputs("levels", "x1").outputs("right").intAttr("axis", 3).build());
    node(g, "Mul", "left_w", "left", "a0");
    node(g, "Mul", "right_w", "right", "a1");
    node(g, "Add", "hsum", "left_w", "right_w");
    node(g, "Div", "hrows", "hsum", "c16");
    // Vertical pass: each weighted row >> 16 (2 fractional bits left), then rounded: (t + b + 2) >> 2.
    g.addNode(Node.builder("Gather").name("top").inputs("hrows", "y0").outputs("top").intAttr("axis", 2).build());
    g.addNode(Node.builder("Gather").name("bottom").inputs("hrows", "y1").outputs("bottom").intAttr("axis", 2)
        .build());
    node(g, "Mul", "top_w", "top", "b0");
    node(g, "Mul", "bottom_w", "bottom", "b1");
    node(g, "Div", "top_s", "top_w", "c65536");
    node(g, "Div", "bottom_s", "bottom_w", "c65536");
    node(g, "Add", "vsum", "top_s", "bottom_s");
    node(g, "Add", "vsum_r", "vsum", "c2");
    node(g, "Div", "resized", "vsum_r", "c4");
    g.addNode(Node.builder("Cast").name("resized_f").inputs("resized").outputs("resized_f")
        .intAttr("to", DataType.FLOAT.onnxCode()).build());
    g.addNode(Node.builder("Pad").name("padded").inputs("resized_f", "pads", "fill").outputs("padded")
        .stringAttr("mode", "constant").build());
    node(g, "Sub", "centred", "padded", "mean");
    node(g, "Mul", "input", "centred", "norm");
    g.addOutput(ValueInfo.of("input", DataType.FLOAT, 1, 3, -1, -1));
    return g;
  }

  private static void node(Graph g, String op, String out, String... inputs) {
    g.addNode(Node.builder(op).name(out).inputs(inputs).outputs(out).build());
  }

  /**
   * Source taps and fixed-point weights of a bilinear resize from {@code src} to {@code dst}
   * samples along one axis: {@code dst + 0.5 = (src + 0.5) · dst/src} (half-pixel centres), taps
   * clamped to the edge, weights {@code round((1 - f) · 2^11)} and {@code round(f · 2^11)}, all in
   * the float arithmetic ncnn uses so that the weights agree to the last bit.
   */
  static Taps taps(int src, int dst) {
    double ratio = (double) src / dst;
    long[] i0 = new long[dst];
    long[] i1 = new long[dst];
    int[] w0 = new int[dst];
    int[] w1 = new int[dst];
    for (int d = 0; d < dst; d++) {
      float f = (float) ((d + 0.5) * ratio - 0.5);
      int s = (int) Math.floor(f);
      f -= s;
      if (s < 0) {
        s = 0;
        f = 0f;
      }
      if (s >= src - 1) {
        s = Math.max(src - 2, 0);
        f = src == 1 ? 0f : 1f;
      }
      i0[d] = s;
      i1[d] = Math.min(s + 1, src - 1);
      w0[d] = roundToShort((1f - f) * (1 << COEF_BITS));
      w1[d] = roundToShort(f * (1 << COEF_BITS));
    }
    return new Taps(i0, i1, w0, w1);
  }

  private static int roundToShort(float x) {
    int r = (int) (x + (x >= 0f ? 0.5f : -0.5f));
    return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, r));
  }

  /** Taps {@code i0}/{@code i1} and their weights along one axis. */
  record Taps(long[] i0, long[] i1, int[] w0, int[] w1) {}

  /**
   * Letterboxes interleaved 8-bit BGR rows ({@code stride} bytes apart, read from the buffer's
   * position; a direct buffer is read in place) into a float tensor [1, 3, inputH, inputW]:
   * {@code (level − mean[c]) · norm[c]} per output channel {@code c}, in 8-bit level units (see
   * {@link dev.reparo.backend.ImageInput}).
   */
  public Tensor apply(ByteBuffer bgr, int width, int height, int stride, ImagePlacement box, boolean rgb, float fill,
      float[] mean, float[] norm) {
    if (mean.length != 3 || norm.length != 3) {
      throw new InvalidInputException("mean and norm need 3 values each, got " + mean.length + " and " + norm.length);
    }
    if (box.imageWidth() != width || box.imageHeight() != height) {
      throw new InvalidInputException("letterbox was computed for a " + box.imageWidth() + "x" + box.imageHeight()
          + " image, pixels are " + width + "x" + height);
    }
    if (width <= 0 || height <= 0 || stride < width * 3) {
      throw new InvalidInputException("bad pixel layout: " + width + "x" + height + " BGR with stride " + stride);
    }
    long rowBytes = (long) width * 3;
    long needed = (long) stride * (height - 1) + rowBytes;
    if (bgr.remaining() < needed) {
      throw new InvalidInputException(width + "x" + height + " BGR pixels with stride " + stride + " need " + needed
          + " bytes, got " + bgr.remaining());
    }
    ByteBuffer rows = wholeRows(bgr, stride, height);
    int right = box.inputWidth() - box.resizedWidth() - box.padLeft();
    int bottom = box.inputHeight() - box.resizedHeight() - box.padTop();
    Taps xs = taps(width, box.resizedWidth());
    Taps ys = taps(height, box.resizedHeight());
    long[] column = {box.resizedHeight(), 1};
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put("pixels", OnnxTensor.createTensor(env, rows, new long[] {height, stride}, OnnxJavaType.UINT8));
      feeds.put("row_bytes", OnnxTensor.createTensor(env, new long[] {rowBytes}));
      feeds.put("nhwc_shape", OnnxTensor.createTensor(env, new long[] {1, height, width, 3}));
      feeds.put("channels", OnnxTensor.createTensor(env, rgb ? new long[] {2, 1, 0} : new long[] {0, 1, 2}));
      feeds.put("x0", OnnxTensor.createTensor(env, xs.i0()));
      feeds.put("x1", OnnxTensor.createTensor(env, xs.i1()));
      feeds.put("a0", OnnxTensor.createTensor(env, xs.w0()));
      feeds.put("a1", OnnxTensor.createTensor(env, xs.w1()));
      feeds.put("y0", OnnxTensor.createTensor(env, ys.i0()));
      feeds.put("y1", OnnxTensor.createTensor(env, ys.i1()));
      feeds.put("b0", OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(ys.w0()), column));
      feeds.put("b1", OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(ys.w1()), column));
      feeds.put("pads", OnnxTensor.createTensor(env, new long[] {0, 0, box.padTop(), box.padLeft(), 0, 0, bottom,
          right}));
      feeds.put("fill", OnnxTensor.createTensor(env, fill));
      long[] perChannel = {1, 3, 1, 1};
      feeds.put("mean", OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(mean.clone()), perChannel));
      feeds.put("norm", OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(norm.clone()), perChannel));
      try (OrtSession.Result out = session.run(feeds)) {
        return OnnxRuntimeModel.toTensor((OnnxTensor) out.get(0));
      }
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime letterbox failed for a " + width + "x" + height + " image: "
          + e.getMessage(), e);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  /**
   * The pixels as exactly {@code height × stride} bytes: a view when the buffer holds the last
   * row's padding too, else a direct copy (the last row of a tightly cut buffer ends early).
   */
  private static ByteBuffer wholeRows(ByteBuffer bgr, int stride, int height) {
    long full = (long) stride * height;
    if (full > Integer.MAX_VALUE) {
      throw new InvalidInputException("image of " + full + " bytes is too large");
    }
    if (bgr.remaining() >= full) {
      return bgr.slice().limit((int) full);
    }
    ByteBuffer copy = ByteBuffer.allocateDirect((int) full);
    copy.put(bgr.duplicate()).clear();
    return copy;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // released regardless
    }
  }
}
