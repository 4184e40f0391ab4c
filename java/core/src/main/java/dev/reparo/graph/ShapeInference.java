package dev.reparo.graph;

import dev.reparo.Tensor;
import dev.reparo.graph.constant.Arithmetic;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.Casts;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.constant.ConstantEvaluator;
import dev.reparo.graph.constant.ConstantNode;
import dev.reparo.graph.constant.Generators;
import dev.reparo.graph.constant.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Infers the element type and shape of every node output, and the values of the small integer
 * tensors that exporters compute from shapes ({@code Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape}), so that such chains end in known shapes and can later be folded to constants.
 *
 * <p>Symbolic dims ({@code batch}) flow through: a shape computed from {@code Shape(x)} keeps the
 * symbol, so a {@code Reshape} to {@code [batch, -1, 85]} gets that shape. Shapes that cannot be
 * known are left unknown rather than guessed. Any inconsistency (channels that do not match a
 * weight, incompatible broadcast, an element count a reshape cannot keep) is an {@link
 * InvalidGraphException} naming the node.
 *
 * <p>Each call works on its own state; do not run it on a graph another thread is changing.
 */
public final class ShapeInference {
  /** Folding stops at tensors larger than this: it is for shape arithmetic, not for weights. */
  static final int MAX_FOLD_ELEMENTS = 1 << 16;

  private final Graph graph;
  private final Map<String, ValueInfo> infos = new HashMap<>();
  private final Map<String, ConstValue> known = new HashMap<>();

  private ShapeInference(Graph graph) {
    this.graph = graph;
  }

  /**
   * Infers types and shapes of a validated graph whose nodes are in topological order, and records
   * them: intermediate values in {@link Graph#valueInfos()}, graph outputs refined in place. What
   * the file declared is kept where inference knows less, and must agree where both know.
   *
   * @throws UnsupportedOpException for a node whose operator Reparo does not support
   * @throws InvalidGraphException naming the node whose inputs do not fit it
   */
  public static Result infer(Graph graph) {
    ShapeInference si = new ShapeInference(graph);
    si.run();
    return new Result(si.infos, si.known);
  }

  /** The outcome of {@link #infer}: what is known of each value. Immutable and thread-safe. */
  public static final class Result {
    private final Map<String, ValueInfo> infos;
    private final Map<String, ConstValue> known;

    private Result(Map<String, ValueInfo> infos, Map<String, ConstValue> known) {
      this.infos = Collections.unmodifiableMap(new LinkedHashMap<>(infos));
      this.known = Map.copyOf(known);
    }

    /** Types and shapes of every graph input, initializer and node output. */
    public Map<String, ValueInfo> infos() {
      return infos;
    }

    /** What is known of a value, or null if it is not in the graph. */
    public ValueInfo info(String value) {
      return infos.get(value);
    }

    /** The shape of a value; {@link Shape#unknown()} if the value is not in the graph. */
    public Shape shape(String value) {
      ValueInfo v = infos.get(value);
      return v == null ? Shape.unknown() : v.shape();
    }

    /** The value of an integer tensor fully known before run time, or null. */
    public LongTensor longConstant(String value) {
      ConstValue k = known.get(value);
      return k == null || k.isFloat() || !k.fullyKnown() ? null : LongTensor.of(k.type(), k.ints(), k.shape());
    }

    /** The value of a float32 tensor known before run time, or null. */
    public Tensor floatConstant(String value) {
      ConstValue k = known.get(value);
      return k == null || !k.isFloat() ? null : Tensor.of(k.floats(), k.shape());
    }
  }

  // ---- driver

  private void run() {
    for (ValueInfo in : graph.inputs()) {
      infos.put(in.name(), in);
    }
    graph.initializers().forEach((name, t) -> {
      infos.put(name, new ValueInfo(name, DataType.FLOAT, Shape.of(t.shape())));
      known.put(name, ConstValue.of(t));
    });
    graph.longInitializers().forEach((name, t) -> {
      infos.put(name, new ValueInfo(name, t.type(), Shape.of(t.shape())));
      known.put(name, ConstValue.of(t));
    });
    Map<String, ValueInfo> declaredOutputs = new LinkedHashMap<>();
    graph.outputs().forEach(o -> declaredOutputs.put(o.name(), o));

    for (Node node : graph.nodes()) {
      OpSchema.require(node);
      for (String in : node.inputs()) {
        if (!in.isEmpty() && !infos.containsKey(in)) {
          throw new InvalidGraphException(node, "input '" + in
              + "' is not known at this point (run GraphValidator and sortTopologically first)");
        }
      }
      List<ValueInfo> outs = inferNode(node);
      for (int i = 0; i < node.outputs().size(); i++) {
        String name = node.output(i);
        if (name.isEmpty()) {
          continue;
        }
        ValueInfo inferred = i < outs.size() ? outs.get(i).withName(name) : ValueInfo.unknown(name);
        ValueInfo declared = graph.valueInfos().get(name);
        if (declared == null) {
          declared = declaredOutputs.get(name);
        }
        infos.put(name, declared == null ? inferred : merge(node, inferred, declared));
      }
    }

    List<ValueInfo> refined = new ArrayList<>();
    for (ValueInfo o : graph.outputs()) {
      ValueInfo v = infos.get(o.name());
      refined.add(v == null ? o : v);
    }
    graph.setOutputs(refined);
    for (Node node : graph.nodes()) {
      for (String out : node.outputs()) {
        if (!out.isEmpty() && !declaredOutputs.containsKey(out)) {
          graph.putValueInfo(infos.get(out));
        }
      }
    }
  }

  private static ValueInfo merge(Node node, ValueInfo inferred, ValueInfo declared) {
    DataType type = inferred.type();
    if (type == DataType.UNDEFINED) {
      type = declared.type();
    } else if (declared.type() != DataType.UNDEFINED && declared.type() != type) {
      throw new InvalidGraphException(node, "output '" + inferred.name() + "' is " + type
          + " but the graph declares " + declared.type());
    }
    Shape a = inferred.shape();
    Shape b = declared.shape();
    if (!a.hasRank() || !b.hasRank()) {
      return new ValueInfo(inferred.name(), type, a.hasRank() ? a : b);
    }
    if (a.rank() != b.rank()) {
      throw new InvalidGraphException(node, "output '" + inferred.name() + "' has shape " + a
          + " but the graph declares " + b);
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < a.rank(); i++) {
      Dim x = a.dim(i);
      Dim y = b.dim(i);
      if (x.isKnown() && y.isKnown() && x.value() != y.value()) {
        throw new InvalidGraphException(node, "output '" + inferred.name() + "' has shape " + a
            + " but the graph declares " + b);
      }
      dims.add(x.isKnown() || x.isSymbolic() && !y.isKnown() ? x : y.isKnown() || y.isSymbolic() ? y : x);
    }
    return new ValueInfo(inferred.name(), type, Shape.of(dims));
  }

  private List<ValueInfo> inferNode(Node n) {
    switch (n.opType()) {
      case "Conv":
        return one(n, conv(n));
      case "BatchNormalization":
        return batchNorm(n);
      case "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Clip", "Tanh", "Exp", "Softplus",
          "Mish", "Erf", "Gelu":
        return one(n, shapeOf(n, 0));
      case "Identity":
        copyKnown(n, 0, null);
        return one(n, shapeOf(n, 0));
      case "Floor", "Ceil":
        put(n, () -> Arithmetic.round(n.opType(), knownOrRefuse(n, 0)));
        return one(n, shapeOf(n, 0));
      case "Softmax":
        softmax(n);
        return one(n, shapeOf(n, 0));
      case "Add", "Sub", "Mul", "Div", "Pow":
        return binary(n);
      case "Concat":
        return one(n, concat(n));
      case "Split":
        return split(n);
      case "Slice":
        return one(n, slice(n));
      case "Reshape":
        return one(n, reshape(n));
      case "Transpose":
        return one(n, transpose(n));
      case "Flatten":
        return one(n, flatten(n));
      case "MaxPool", "AveragePool":
        return pool(n);
      case "GlobalAveragePool", "GlobalMaxPool":
        return one(n, globalPool(n));
      case "Resize":
        return one(n, resize(n));
      case "Upsample":
        return one(n, upsample(n));
      case "Gemm":
        return one(n, gemm(n));
      case "MatMul":
        return one(n, matMul(n));
      case "Constant":
        return constant(n);
      case "Shape":
        return shape(n);
      case "Gather":
        return one(n, gather(n));
      case "Unsqueeze":
        return one(n, unsqueeze(n));
      case "Squeeze":
        return one(n, squeeze(n));
      case "Cast":
        return cast(n);
      case "ConstantOfShape":
        return constantOfShape(n);
      case "Range":
        return range(n);
      case "Expand":
        return one(n, expand(n));
      case "CastLike":
        return castLike(n);
      case "Equal":
        return equal(n);
      case "Where":
        return where(n);
      case "ReduceMean":
        return one(n, reduce(n));
      case "Dropout":
        return dropout(n);
      default:
        throw new UnsupportedOpException(n, OpSchema.supportedOps());
    }
  }

  // ---- convolution and pooling

  private Shape conv(Node n) {
    Shape x = shapeOf(n, 0);
    Shape w = shapeOf(n, 1);
    int rank = x.hasRank() ? x.rank() : w.hasRank() ? w.rank() : -1;
    if (rank < 0) {
      return Shape.unknown();
    }
    if (rank < 3) {
      throw fail(n, "input has rank " + rank + "; Conv needs N, C and at least one spatial dim");
    }
    if (x.hasRank() && w.hasRank() && x.rank() != w.rank()) {
      throw fail(n, "input " + x + " and weight " + w + " differ in rank");
    }
    int sp = rank - 2;
    long group = n.attrInt("group", 1);
    if (group < 1) {
      throw fail(n, "group must be positive, got " + group);
    }
    long[] kernel = new long[sp];
    long[] kAttr = n.attrInts("kernel_shape");
    if (kAttr != null && kAttr.length != sp) {
      throw fail(n, "kernel_shape " + Arrays.toString(kAttr) + " has " + kAttr.length
          + " values for " + sp + " spatial dims");
    }
    for (int i = 0; i < sp; i++) {
      Dim k = w.hasRank() ? w.dim(2 + i) : Dim.unknown();
      if (kAttr != null && k.isKnown() && kAttr[i] != k.value()) {
        throw fail(n, "kernel_shape " + Arrays.toString(kAttr) + " does not match weight " + w);
      }
      kernel[i] = kAttr != null ? kAttr[i] : k.isKnown() ? k.value() : -1;
    }
    Dim c = x.hasRank() ? x.dim(1) : Dim.unknown();
    Dim wc = w.hasRank() ? w.dim(1) : Dim.unknown();
    Dim m = w.hasRank() ? w.dim(0) : Dim.unknown();
    if (c.isKnown() && wc.isKnown() && c.value() != wc.value() * group) {
      throw fail(n, "input has " + c.value() + " channels but weight " + w + " with group " + group
          + " expects " + wc.value() * group);
    }
    if (m.isKnown() && m.value() % group != 0) {
      throw fail(n, "weight " + w + " has " + m.value() + " output channels, not a multiple of group "
          + group);
    }
    if (n.hasInput(2)) {
      Shape b = shapeOf(n, 2);
      if (b.hasRank() && (b.rank() != 1 || b.dim(0).isKnown() && m.isKnown() && b.dim(0).value() != m.value())) {
        throw fail(n, "bias " + b + " does not fit " + m + " output channels");
      }
    }
    List<Dim> out = new ArrayList<>();
    out.add(x.hasRank() ? x.dim(0) : Dim.unknown());
    out.add(m);
    out.addAll(windowDims(n, x, sp, kernel, false));
    return Shape.of(out);
  }

  private List<ValueInfo> pool(Node n) {
    Shape x = shapeOf(n, 0);
    long[] kernel = n.attrInts("kernel_shape");
    if (kernel == null) {
      throw fail(n, "has no kernel_shape");
    }
    int sp = kernel.length;
    Shape out;
    if (!x.hasRank()) {
      out = Shape.ofRank(sp + 2);
    } else {
      if (x.rank() != sp + 2) {
        throw fail(n, "kernel_shape " + Arrays.toString(kernel) + " does not fit input " + x);
      }
      List<Dim> dims = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
      dims.addAll(windowDims(n, x, sp, kernel, n.attrInt("ceil_mode", 0) != 0));
      out = Shape.of(dims);
    }
    List<ValueInfo> result = new ArrayList<>();
    result.add(new ValueInfo("", typeOf(n, 0), out));
    if (n.outputs().size() > 1) {
      result.add(new ValueInfo("", DataType.INT64, out));
    }
    return result;
  }

  /** Output sizes of a sliding window (Conv, MaxPool, AveragePool) over the spatial dims of x. */
  private static List<Dim> windowDims(Node n, Shape x, int sp, long[] kernel, boolean ceilMode) {
    long[] strides = intsOr(n, "strides", sp, 1);
    long[] dilations = intsOr(n, "dilations", sp, 1);
    long[] pads = intsOr(n, "pads", 2 * sp, 0);
    String autoPad = n.attrString("auto_pad", "NOTSET");
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < sp; i++) {
      if (strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + sp] < 0
          || kernel[i] == 0 || kernel[i] < -1) {
        throw fail(n, "bad window: kernel " + Arrays.toString(kernel) + ", strides "
            + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations) + ", pads "
            + Arrays.toString(pads));
      }
      Dim in = x.hasRank() ? x.dim(2 + i) : Dim.unknown();
      if (!in.isKnown() || kernel[i] < 0) {
        out.add(Dim.unknown());
        continue;
      }
      long size = in.value();
      long s = strides[i];
      long extent = dilations[i] * (kernel[i] - 1) + 1;
      long o;
      switch (autoPad) {
        case "SAME_UPPER", "SAME_LOWER" -> o = Layout.ceilDiv(size, s);
        case "NOTSET", "VALID" -> {
          long head = autoPad.equals("VALID") ? 0 : pads[i];
          long tail = autoPad.equals("VALID") ? 0 : pads[i + sp];
          long span = size + head + tail - extent;
          if (span < 0) {
            throw fail(n, "window of extent " + extent + " is larger than the padded input ("
                + (size + head + tail) + ") on spatial axis " + i);
          }
          o = (ceilMode ? Layout.ceilDiv(span, s) : span / s) + 1;
          if (ceilMode && (o - 1) * s >= size + head) {
            o--; // the last window must start inside the input or its head padding
          }
        }
        default -> throw fail(n, "unknown auto_pad '" + autoPad + "'");
      }
      out.add(Dim.of(o));
    }
    return out;
  }

  private static long[] intsOr(Node n, String attr, int count, long dflt) {
    long[] v = n.attrInts(attr);
    if (v == null) {
      v = new long[count];
      Arrays.fill(v, dflt);
    } else if (v.length != count) {
      throw fail(n, attr + " " + Arrays.toString(v) + " has " + v.length + " values, expected " + count);
    }
    return v;
  }

  private Shape globalPool(Node n) {
    Shape x = shapeOf(n, 0);
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    if (x.rank() < 3) {
      throw fail(n, "input " + x + " has no spatial dims");
    }
    List<Dim> dims = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
    for (int i = 2; i < x.rank(); i++) {
      dims.add(Dim.of(1));
    }
    return Shape.of(dims);
  }

  private List<ValueInfo> batchNorm(Node n) {
    Shape x = shapeOf(n, 0);
    Dim c = x.hasRank() && x.rank() >= 2 ? x.dim(1) : Dim.unknown();
    if (x.hasRank() && x.rank() < 2) {
      throw fail(n, "input " + x + " has no channel dim");
    }
    String[] what = {"scale", "B", "mean", "var"};
    for (int i = 1; i <= 4; i++) {
      Shape p = shapeOf(n, i);
      if (p.hasRank() && (p.rank() != 1 || c.isKnown() && p.dim(0).isKnown() && p.dim(0).value() != c.value())) {
        throw fail(n, what[i - 1] + " " + p + " does not fit " + c + " channels of input " + x);
      }
    }
    List<ValueInfo> out = new ArrayList<>();
    out.add(new ValueInfo("", typeOf(n, 0), x));
    for (int i = 1; i < n.outputs().size(); i++) {
      out.add(new ValueInfo("", typeOf(n, 0), Shape.of(List.of(c))));
    }
    return out;
  }

  // ---- elementwise

  private void softmax(Node n) {
    Shape x = shapeOf(n, 0);
    if (x.hasRank()) {
      normAxis(n, n.attrInt("axis", graph.opset() >= 13 ? -1 : 1), x.rank(), "axis");
    }
  }

  private List<ValueInfo> binary(Node n) {
    DataType a = typeOf(n, 0);
    DataType b = typeOf(n, 1);
    if (!n.opType().equals("Pow") && a != DataType.UNDEFINED && b != DataType.UNDEFINED && a != b) {
      throw fail(n, "inputs have different types " + a + " and " + b);
    }
    Shape out = broadcast(n, List.of(shapeOf(n, 0), shapeOf(n, 1)));
    fold(n, out);
    return List.of(new ValueInfo("", a != DataType.UNDEFINED ? a : b, out));
  }

  /** Multidirectional (numpy) broadcasting. */
  private static Shape broadcast(Node n, List<Shape> shapes) {
    int rank = 0;
    for (Shape s : shapes) {
      if (!s.hasRank()) {
        return Shape.unknown();
      }
      rank = Math.max(rank, s.rank());
    }
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      Dim r = Dim.of(1);
      for (Shape s : shapes) {
        int at = i - (rank - s.rank());
        if (at < 0) {
          continue;
        }
        Dim d = s.dim(at);
        if (d.isKnown()) {
          if (d.value() == 1) {
            continue;
          }
          if (r.isKnown() && r.value() != 1 && r.value() != d.value()) {
            throw fail(n, "cannot broadcast shapes " + shapes);
          }
          r = d;
        } else if (r.isKnown()) {
          if (r.value() == 1) {
            r = d;
          }
        } else if (!d.equals(r)) {
          r = Dim.unknown();
        }
      }
      out.add(r);
    }
    return Shape.of(out);
  }

  // ---- shape manipulation

  private Shape concat(Node n) {
    if (!n.hasAttribute("axis")) {
      throw fail(n, "has no axis attribute");
    }
    long axisAttr = n.attrInt("axis", 0);
    int rank = -1;
    List<Shape> shapes = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      Shape s = shapeOf(n, i);
      shapes.add(s);
      if (s.hasRank()) {
        if (rank >= 0 && s.rank() != rank) {
          throw fail(n, "inputs differ in rank: " + shapes);
        }
        rank = s.rank();
      }
    }
    if (rank < 0) {
      return Shape.unknown();
    }
    int axis = normAxis(n, axisAttr, rank, "axis");
    List<Dim> out = new ArrayList<>();
    for (int d = 0; d < rank; d++) {
      if (d == axis) {
        long sum = 0;
        for (Shape s : shapes) {
          if (!s.hasRank() || !s.dim(d).isKnown()) {
            sum = -1;
            break;
          }
          sum += s.dim(d).value();
        }
        out.add(sum < 0 ? Dim.unknown() : Dim.of(sum));
        continue;
      }
      Dim r = Dim.unknown();
      for (Shape s : shapes) {
        if (s.hasRank()) {
          r = sameDim(n, r, s.dim(d), "inputs " + shapes + " differ outside the concat axis " + axis);
        }
      }
      out.add(r);
    }
    Shape result = Shape.of(out);
    fold(n, result);
    return result;
  }

  private List<ValueInfo> split(Node n) {
    Shape x = shapeOf(n, 0);
    int count = n.outputs().size();
    List<ValueInfo> out = new ArrayList<>();
    DataType type = typeOf(n, 0);
    if (!x.hasRank()) {
      for (int i = 0; i < count; i++) {
        out.add(new ValueInfo("", type, Shape.unknown()));
      }
      return out;
    }
    int axis = normAxis(n, n.attrInt("axis", 0), x.rank(), "axis");
    Dim d = x.dim(axis);
    long[] sizes = null;
    boolean unknownSizes = false;
    if (n.hasInput(1)) {
      sizes = constInts(n, 1);
      unknownSizes = sizes == null;
    } else if (n.hasAttribute("split")) {
      sizes = n.attrInts("split");
    }
    if (sizes != null) {
      if (sizes.length != count) {
        throw fail(n, "split " + Arrays.toString(sizes) + " has " + sizes.length + " sizes for "
            + count + " outputs");
      }
      long sum = 0;
      for (long s : sizes) {
        if (s < 0) {
          throw fail(n, "negative size in split " + Arrays.toString(sizes));
        }
        sum += s;
      }
      if (d.isKnown() && sum != d.value()) {
        throw fail(n, "split " + Arrays.toString(sizes) + " sums to " + sum + " but axis " + axis
            + " of input " + x + " has " + d.value());
      }
    } else if (!unknownSizes && d.isKnown()) {
      long total = d.value();
      sizes = new long[count];
      if (n.hasAttribute("num_outputs")) {
        long num = n.attrInt("num_outputs", 0);
        if (num != count) {
          throw fail(n, "num_outputs is " + num + " but the node has " + count + " outputs");
        }
        long chunk = Layout.ceilDiv(total, count);
        long last = total - chunk * (count - 1);
        if (last < 0) {
          throw fail(n, "cannot split " + total + " into " + count + " chunks of " + chunk);
        }
        Arrays.fill(sizes, chunk);
        sizes[count - 1] = last;
      } else {
        if (total % count != 0) {
          throw fail(n, "axis " + axis + " of input " + x + " does not split evenly into " + count
              + " outputs");
        }
        Arrays.fill(sizes, total / count);
      }
    }
    for (int i = 0; i < count; i++) {
      List<Dim> dims = new ArrayList<>(x.dims());
      dims.set(axis, sizes == null ? Dim.unknown() : Dim.of(sizes[i]));
      out.add(new ValueInfo("", type, Shape.of(dims)));
    }
    return out;
  }

  private Shape slice(Node n) {
    Shape x = shapeOf(n, 0);
    long[] starts;
    long[] ends;
    long[] axes = null;
    long[] steps = null;
    boolean axesGiven;
    if (n.inputs().size() > 1) {
      starts = constInts(n, 1);
      ends = constInts(n, 2);
      axesGiven = n.hasInput(3);
      if (axesGiven) {
        axes = constInts(n, 3);
      }
      if (n.hasInput(4)) {
        steps = constInts(n, 4);
        if (steps == null) {
          starts = null; // unknown steps make every sliced length unknown
        }
      }
    } else {
      starts = n.attrInts("starts");
      ends = n.attrInts("ends");
      axesGiven = n.hasAttribute("axes");
      axes = n.attrInts("axes");
      if (starts == null || ends == null) {
        throw fail(n, "needs starts and ends");
      }
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    if (axesGiven && axes == null) {
      return Shape.ofRank(rank);
    }
    if (starts == null || ends == null) {
      if (axes == null) {
        return Shape.ofRank(rank);
      }
      List<Dim> dims = new ArrayList<>(x.dims());
      for (long a : axes) {
        dims.set(normAxis(n, a, rank, "axes"), Dim.unknown());
      }
      return Shape.of(dims);
    }
    if (starts.length != ends.length || axes != null && axes.length != starts.length
        || steps != null && steps.length != starts.length) {
      throw fail(n, "starts, ends, axes and steps differ in length");
    }
    if (axes == null) {
      axes = new long[starts.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    int[] axisOf = new int[starts.length];
    boolean[] seen = new boolean[rank];
    List<Dim> dims = new ArrayList<>(x.dims());
    for (int i = 0; i < starts.length; i++) {
      int a = normAxis(n, axes[i], rank, "axes");
      if (seen[a]) {
        throw fail(n, "axis " + a + " is sliced twice");
      }
      seen[a] = true;
      axisOf[i] = a;
      long step = steps == null ? 1 : steps[i];
      if (step == 0) {
        throw fail(n, "step is 0 on axis " + a);
      }
      Dim d = x.dim(a);
      if (!d.isKnown()) {
        boolean whole = step == 1 && starts[i] == 0 && ends[i] >= Integer.MAX_VALUE;
        dims.set(a, whole ? d : Dim.unknown());
        continue;
      }
      long[] r = Layout.sliceRange(d.value(), starts[i], ends[i], step);
      dims.set(a, Dim.of(r[2]));
    }
    Shape out = Shape.of(dims);
    fold(n, out);
    return out;
  }

  private Shape reshape(Node n) {
    Shape x = shapeOf(n, 0);
    ConstValue target = knownOf(n, 1);
    if (target == null || target.isFloat()) {
      Shape s = shapeOf(n, 1);
      return s.hasRank() && s.rank() == 1 && s.dim(0).isKnown() ? Shape.ofRank((int) s.dim(0).value())
          : Shape.unknown();
    }
    if (target.rank() != 1) {
      throw fail(n, "shape input must be 1-D, got " + Arrays.toString(target.shape()));
    }
    boolean allowZero = n.attrInt("allowzero", 0) != 0;
    List<Dim> dims = new ArrayList<>();
    int inferAt = -1;
    for (int i = 0; i < target.size(); i++) {
      if (!target.elemKnown(i)) {
        dims.add(target.dimAt(i));
        continue;
      }
      long v = target.ints()[i];
      if (v == 0 && !allowZero) {
        if (x.hasRank() && i >= x.rank()) {
          throw fail(n, "shape " + target + " copies dim " + i + " (0) but input " + x + " has rank "
              + x.rank());
        }
        dims.add(x.hasRank() ? x.dim(i) : Dim.unknown());
      } else if (v == -1) {
        if (inferAt >= 0) {
          throw fail(n, "shape " + target + " has more than one -1");
        }
        inferAt = i;
        dims.add(Dim.unknown());
      } else if (v < 0) {
        throw fail(n, "shape " + target + " has invalid size " + v);
      } else {
        dims.add(Dim.of(v));
      }
    }
    if (x.hasRank()) {
      // Cancel the symbols and known sizes the two sides share; what remains must match.
      long inKnown = 1;
      long outKnown = 1;
      List<Object> inRest = new ArrayList<>();
      for (Dim d : x.dims()) {
        if (d.isKnown()) {
          inKnown *= d.value();
        } else {
          inRest.add(d.isSymbolic() ? d.param() : new Object());
        }
      }
      boolean outComplete = true;
      for (int i = 0; i < dims.size(); i++) {
        Dim d = dims.get(i);
        if (i == inferAt) {
          continue;
        }
        if (d.isKnown()) {
          outKnown *= d.value();
        } else if (!(d.isSymbolic() && inRest.remove(d.param()))) {
          outComplete = false;
        }
      }
      if (outComplete && inRest.isEmpty()) {
        if (inferAt >= 0) {
          if (outKnown == 0 || inKnown % outKnown != 0) {
            throw fail(n, "cannot reshape input " + x + " to " + target);
          }
          dims.set(inferAt, Dim.of(inKnown / outKnown));
        } else if (inKnown != outKnown) {
          throw fail(n, "cannot reshape input " + x + " (" + inKnown + " elements) to " + Shape.of(dims));
        }
      }
    }
    Shape out = Shape.of(dims);
    copyKnown(n, 0, out);
    return out;
  }

  private Shape transpose(Node n) {
    Shape x = shapeOf(n, 0);
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    long[] perm = n.attrInts("perm");
    if (perm == null) {
      perm = new long[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = rank - 1 - i;
      }
    }
    if (perm.length != rank) {
      throw fail(n, "perm " + Arrays.toString(perm) + " does not fit input " + x);
    }
    boolean[] seen = new boolean[rank];
    List<Dim> dims = new ArrayList<>();
    for (long p : perm) {
      if (p < 0 || p >= rank || seen[(int) p]) {
        throw fail(n, "perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (rank - 1));
      }
      seen[(int) p] = true;
      dims.add(x.dim((int) p));
    }
    return Shape.of(dims);
  }

  private Shape flatten(Node n) {
    Shape x = shapeOf(n, 0);
    if (!x.hasRank()) {
      return Shape.ofRank(2);
    }
    long axis = n.attrInt("axis", 1);
    int rank = x.rank();
    if (axis < -rank || axis > rank) {
      throw fail(n, "axis " + axis + " is out of range for input " + x);
    }
    int a = (int) (axis < 0 ? axis + rank : axis);
    Shape out = Shape.of(List.of(product(x.dims().subList(0, a)), product(x.dims().subList(a, rank))));
    copyKnown(n, 0, out);
    return out;
  }

  private Shape resize(Node n) {
    Shape x = shapeOf(n, 0);
    int scalesAt = graph.opset() >= 11 ? 2 : 1;
    int sizesAt = graph.opset() >= 11 ? 3 : -1;
    ConstValue scalesK = n.hasInput(scalesAt) ? knownOf(n, scalesAt) : null;
    ConstValue sizesK = sizesAt >= 0 && n.hasInput(sizesAt) ? knownOf(n, sizesAt) : null;
    boolean scalesGiven = n.hasInput(scalesAt) && !(scalesK != null && scalesK.size() == 0);
    boolean sizesGiven = sizesAt >= 0 && n.hasInput(sizesAt) && !(sizesK != null && sizesK.size() == 0);
    if (scalesGiven == sizesGiven) {
      throw fail(n, scalesGiven ? "gives both scales and sizes" : "gives neither scales nor sizes");
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    long[] axes = n.attrInts("axes");
    if (axes == null) {
      axes = new long[rank];
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
    }
    int[] ax = new int[axes.length];
    for (int i = 0; i < axes.length; i++) {
      ax[i] = normAxis(n, axes[i], rank, "axes");
    }
    List<Dim> dims = new ArrayList<>(x.dims());
    ConstValue given = scalesGiven ? scalesK : sizesK;
    if (given == null) {
      for (int a : ax) {
        dims.set(a, Dim.unknown());
      }
      return Shape.of(dims);
    }
    if (given.size() != ax.length) {
      throw fail(n, (scalesGiven ? "scales" : "sizes") + " " + given + " have " + given.size()
          + " values for " + ax.length + " axes of input " + x);
    }
    if (scalesGiven) {
      if (!given.isFloat()) {
        throw fail(n, "scales must be float, got " + given.type());
      }
      for (int i = 0; i < ax.length; i++) {
        dims.set(ax[i], scaled(n, x.dim(ax[i]), given.floats()[i]));
      }
      return Shape.of(dims);
    }
    if (given.isFloat()) {
      throw fail(n, "sizes must be int64, got " + given.type());
    }
    String policy = n.attrString("keep_aspect_ratio_policy", "stretch");
    if (policy.equals("stretch")) {
      for (int i = 0; i < ax.length; i++) {
        dims.set(ax[i], given.dimAt(i));
      }
      return Shape.of(dims);
    }
    if (!policy.equals("not_larger") && !policy.equals("not_smaller")) {
      throw fail(n, "unknown keep_aspect_ratio_policy '" + policy + "'");
    }
    float scale = policy.equals("not_larger") ? Float.MAX_VALUE : 0;
    for (int i = 0; i < ax.length; i++) {
      Dim d = x.dim(ax[i]);
      if (!d.isKnown() || !given.elemKnown(i)) {
        for (int a : ax) {
          dims.set(a, Dim.unknown());
        }
        return Shape.of(dims);
      }
      float s = (float) given.ints()[i] / d.value();
      scale = policy.equals("not_larger") ? Math.min(scale, s) : Math.max(scale, s);
    }
    for (int a : ax) {
      dims.set(a, Dim.of(Math.round(scale * x.dim(a).value())));
    }
    return Shape.of(dims);
  }

  private Shape upsample(Node n) {
    Shape x = shapeOf(n, 0);
    float[] scales;
    if (n.hasInput(1)) {
      ConstValue k = knownOf(n, 1);
      if (k != null && !k.isFloat()) {
        throw fail(n, "scales must be float, got " + k.type());
      }
      scales = k == null ? null : k.floats();
    } else {
      scales = n.attrFloats("scales");
      if (scales == null) {
        throw fail(n, "has no scales");
      }
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    if (scales == null) {
      return Shape.ofRank(x.rank());
    }
    if (scales.length != x.rank()) {
      throw fail(n, "scales " + Arrays.toString(scales) + " do not fit input " + x);
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < scales.length; i++) {
      dims.add(scaled(n, x.dim(i), scales[i]));
    }
    return Shape.of(dims);
  }

  private static Dim scaled(Node n, Dim d, float scale) {
    if (!(scale > 0)) {
      throw fail(n, "scale " + scale + " is not positive");
    }
    if (scale == 1f) {
      return d;
    }
    // Float arithmetic, floored, as ONNX Runtime computes it.
    return d.isKnown() ? Dim.of((long) Math.floor(d.value() * scale)) : Dim.unknown();
  }

  private Shape gemm(Node n) {
    Shape a = shapeOf(n, 0);
    Shape b = shapeOf(n, 1);
    for (Shape s : List.of(a, b)) {
      if (s.hasRank() && s.rank() != 2) {
        throw fail(n, "inputs must be 2-D, got " + a + " and " + b);
      }
    }
    boolean ta = n.attrInt("transA", 0) != 0;
    boolean tb = n.attrInt("transB", 0) != 0;
    Dim m = a.hasRank() ? a.dim(ta ? 1 : 0) : Dim.unknown();
    Dim ka = a.hasRank() ? a.dim(ta ? 0 : 1) : Dim.unknown();
    Dim kb = b.hasRank() ? b.dim(tb ? 1 : 0) : Dim.unknown();
    Dim nn = b.hasRank() ? b.dim(tb ? 0 : 1) : Dim.unknown();
    if (ka.isKnown() && kb.isKnown() && ka.value() != kb.value()) {
      throw fail(n, "A " + a + (ta ? " (transposed)" : "") + " and B " + b + (tb ? " (transposed)" : "")
          + " do not multiply");
    }
    Shape out = Shape.of(List.of(m, nn));
    if (n.hasInput(2)) {
      Shape c = shapeOf(n, 2);
      if (c.hasRank() && c.rank() > 2) {
        throw fail(n, "C " + c + " has rank above 2");
      }
      broadcast(n, List.of(out, c));
    }
    return out;
  }

  private Shape matMul(Node n) {
    Shape a = shapeOf(n, 0);
    Shape b = shapeOf(n, 1);
    if (!a.hasRank() || !b.hasRank()) {
      return Shape.unknown();
    }
    if (a.rank() == 0 || b.rank() == 0) {
      throw fail(n, "inputs must not be scalars, got " + a + " and " + b);
    }
    List<Dim> ad = new ArrayList<>(a.dims());
    List<Dim> bd = new ArrayList<>(b.dims());
    if (a.rank() == 1) {
      ad.add(0, Dim.of(1));
    }
    if (b.rank() == 1) {
      bd.add(Dim.of(1));
    }
    Dim ka = ad.get(ad.size() - 1);
    Dim kb = bd.get(bd.size() - 2);
    if (ka.isKnown() && kb.isKnown() && ka.value() != kb.value()) {
      throw fail(n, "inputs " + a + " and " + b + " do not multiply");
    }
    Shape batch = broadcast(n, List.of(Shape.of(ad.subList(0, ad.size() - 2)),
        Shape.of(bd.subList(0, bd.size() - 2))));
    List<Dim> out = new ArrayList<>(batch.dims());
    if (a.rank() > 1) {
      out.add(ad.get(ad.size() - 2));
    }
    if (b.rank() > 1) {
      out.add(bd.get(bd.size() - 1));
    }
    return Shape.of(out);
  }

  private Shape gather(Node n) {
    Shape data = shapeOf(n, 0);
    Shape idx = shapeOf(n, 1);
    if (!data.hasRank()) {
      return Shape.unknown();
    }
    if (data.rank() == 0) {
      throw fail(n, "data is a scalar");
    }
    int axis = normAxis(n, n.attrInt("axis", 0), data.rank(), "axis");
    long[] indices = constInts(n, 1);
    Dim d = data.dim(axis);
    if (indices != null && d.isKnown()) {
      for (long i : indices) {
        if (i < -d.value() || i >= d.value()) {
          throw fail(n, "index " + i + " is out of range for axis " + axis + " of " + data);
        }
      }
    }
    if (!idx.hasRank()) {
      return Shape.unknown();
    }
    List<Dim> out = new ArrayList<>(data.dims().subList(0, axis));
    out.addAll(idx.dims());
    out.addAll(data.dims().subList(axis + 1, data.rank()));
    Shape result = Shape.of(out);
    fold(n, result);
    return result;
  }

  private Shape unsqueeze(Node n) {
    Shape x = shapeOf(n, 0);
    long[] axes = n.hasInput(1) ? constInts(n, 1) : n.attrInts("axes");
    if (axes == null && !n.hasInput(1)) {
      throw fail(n, "has no axes");
    }
    if (axes == null || !x.hasRank()) {
      return axes == null || !x.hasRank() ? Shape.unknown() : Shape.ofRank(x.rank() + axes.length);
    }
    int rank = x.rank() + axes.length;
    boolean[] isNew = new boolean[rank];
    for (long a : axes) {
      int at = normAxis(n, a, rank, "axes");
      if (isNew[at]) {
        throw fail(n, "axes " + Arrays.toString(axes) + " repeat axis " + at);
      }
      isNew[at] = true;
    }
    List<Dim> dims = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < rank; i++) {
      dims.add(isNew[i] ? Dim.of(1) : x.dim(next++));
    }
    Shape out = Shape.of(dims);
    copyKnown(n, 0, out);
    return out;
  }

  private Shape squeeze(Node n) {
    Shape x = shapeOf(n, 0);
    boolean axesGiven = n.hasInput(1) || n.hasAttribute("axes");
    long[] axes = n.hasInput(1) ? constInts(n, 1) : n.attrInts("axes");
    if (!x.hasRank() || axesGiven && axes == null) {
      return Shape.unknown();
    }
    boolean[] drop = new boolean[x.rank()];
    if (axes == null) {
      for (int i = 0; i < x.rank(); i++) {
        Dim d = x.dim(i);
        if (!d.isKnown()) {
          return Shape.unknown(); // might or might not be 1
        }
        drop[i] = d.value() == 1;
      }
    } else {
      for (long a : axes) {
        int at = normAxis(n, a, x.rank(), "axes");
        Dim d = x.dim(at);
        if (d.isKnown() && d.value() != 1) {
          throw fail(n, "cannot squeeze axis " + at + " of " + x + ": its size is not 1");
        }
        drop[at] = true;
      }
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < x.rank(); i++) {
      if (!drop[i]) {
        dims.add(x.dim(i));
      }
    }
    Shape out = Shape.of(dims);
    copyKnown(n, 0, out);
    return out;
  }

  private Shape expand(Node n) {
    Shape x = shapeOf(n, 0);
    ConstValue target = knownOf(n, 1);
    if (target == null || target.isFloat()) {
      Shape s = shapeOf(n, 1);
      if (x.hasRank() && s.hasRank() && s.rank() == 1 && s.dim(0).isKnown()) {
        return Shape.ofRank((int) Math.max(x.rank(), s.dim(0).value()));
      }
      return Shape.unknown();
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < target.size(); i++) {
      dims.add(target.dimAt(i));
    }
    return broadcast(n, List.of(x, Shape.of(dims)));
  }

  // ---- constants and shape values

  private List<ValueInfo> constant(Node n) {
    ConstValue k;
    try {
      k = ConstantNode.value(n);
    } catch (CannotFold e) {
      throw fail(n, e.getMessage());
    }
    if (k == null) {
      Attribute a = n.attributes().values().iterator().next();
      Shape s = a.name().equals("value_string") ? Shape.scalar() : Shape.of(a.asStrings().size());
      return List.of(new ValueInfo("", DataType.STRING, s));
    }
    known.put(n.output(0), k);
    return List.of(new ValueInfo("", k.type(), Shape.of(k.shape())));
  }

  private List<ValueInfo> shape(Node n) {
    Shape x = shapeOf(n, 0);
    if (!x.hasRank()) {
      return List.of(new ValueInfo("", DataType.INT64, Shape.ofRank(1)));
    }
    ConstValue dims = Generators.shape(x, n.attrInt("start", 0), n.attrInt("end", x.rank()));
    known.put(n.output(0), dims);
    return List.of(new ValueInfo("", DataType.INT64, Shape.of(dims.shape())));
  }

  private List<ValueInfo> cast(Node n) {
    if (!n.hasAttribute("to")) {
      throw fail(n, "has no 'to' attribute");
    }
    DataType to;
    try {
      to = Casts.target(n.attrInt("to", 0));
    } catch (CannotFold e) {
      throw fail(n, "casts to unknown type " + n.attrInt("to", 0));
    }
    Shape out = shapeOf(n, 0);
    fold(n, out);
    return List.of(new ValueInfo("", to, out));
  }

  private List<ValueInfo> castLike(Node n) {
    DataType to = typeOf(n, 1);
    if (to != DataType.UNDEFINED) {
      put(n, () -> Casts.cast(knownOrRefuse(n, 0), to));
    }
    return List.of(new ValueInfo("", to, shapeOf(n, 0)));
  }

  private List<ValueInfo> equal(Node n) {
    DataType a = typeOf(n, 0);
    DataType b = typeOf(n, 1);
    if (a != DataType.UNDEFINED && b != DataType.UNDEFINED && a != b) {
      throw fail(n, "inputs have different types " + a + " and " + b);
    }
    return List.of(new ValueInfo("", DataType.BOOL, broadcast(n, List.of(shapeOf(n, 0), shapeOf(n, 1)))));
  }

  private List<ValueInfo> where(Node n) {
    DataType c = typeOf(n, 0);
    if (c != DataType.UNDEFINED && c != DataType.BOOL) {
      throw fail(n, "condition must be BOOL, got " + c);
    }
    DataType a = typeOf(n, 1);
    DataType b = typeOf(n, 2);
    if (a != DataType.UNDEFINED && b != DataType.UNDEFINED && a != b) {
      throw fail(n, "inputs have different types " + a + " and " + b);
    }
    Shape out = broadcast(n, List.of(shapeOf(n, 0), shapeOf(n, 1), shapeOf(n, 2)));
    return List.of(new ValueInfo("", a != DataType.UNDEFINED ? a : b, out));
  }

  /** ReduceMean and friends: axes from the attribute (opset < 18) or the second input. */
  private Shape reduce(Node n) {
    Shape x = shapeOf(n, 0);
    boolean keep = n.attrInt("keepdims", 1) != 0;
    long[] axes;
    if (n.hasInput(1)) {
      axes = constInts(n, 1);
      if (axes == null) {
        return x.hasRank() && keep ? Shape.ofRank(x.rank()) : Shape.unknown();
      }
    } else {
      axes = n.attrInts("axes");
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    boolean[] reduced = new boolean[rank];
    if (axes == null || axes.length == 0) {
      if (n.attrInt("noop_with_empty_axes", 0) != 0) {
        return x;
      }
      Arrays.fill(reduced, true);
    } else {
      for (long a : axes) {
        reduced[normAxis(n, a, rank, "axes")] = true;
      }
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      if (!reduced[i]) {
        dims.add(x.dim(i));
      } else if (keep) {
        dims.add(Dim.of(1));
      }
    }
    return Shape.of(dims);
  }

  private List<ValueInfo> dropout(Node n) {
    Shape x = shapeOf(n, 0);
    List<ValueInfo> out = new ArrayList<>();
    out.add(new ValueInfo("", typeOf(n, 0), x));
    if (n.outputs().size() > 1) {
      out.add(new ValueInfo("", DataType.BOOL, x));
    }
    return out;
  }

  private List<ValueInfo> constantOfShape(Node n) {
    DataType type;
    try {
      type = Generators.fill(n.attribute("value")).type();
    } catch (CannotFold e) {
      throw fail(n, e.getMessage());
    }
    ConstValue target = knownOf(n, 0);
    if (target == null || target.isFloat()) {
      Shape s = shapeOf(n, 0);
      Shape out = s.hasRank() && s.rank() == 1 && s.dim(0).isKnown() ? Shape.ofRank((int) s.dim(0).value())
          : Shape.unknown();
      return List.of(new ValueInfo("", type, out));
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < target.size(); i++) {
      if (target.elemKnown(i) && target.ints()[i] < 0) {
        throw fail(n, "negative size in shape " + target);
      }
      dims.add(target.dimAt(i));
    }
    Shape out = Shape.of(dims);
    fold(n, out);
    return List.of(new ValueInfo("", type, out));
  }

  private List<ValueInfo> range(Node n) {
    DataType type = typeOf(n, 0);
    for (int i = 0; i < 3; i++) {
      Shape s = shapeOf(n, i);
      if (s.hasRank() && s.rank() != 0) {
        throw fail(n, "start, limit and delta must be scalars, input " + i + " is " + s);
      }
    }
    ConstValue start = knownOf(n, 0);
    ConstValue limit = knownOf(n, 1);
    ConstValue delta = knownOf(n, 2);
    if (start == null || limit == null || delta == null || !start.fullyKnown() || !limit.fullyKnown()
        || !delta.fullyKnown()) {
      return List.of(new ValueInfo("", type, Shape.ofRank(1)));
    }
    double d = delta.num(0);
    if (d == 0) {
      throw fail(n, "delta is 0");
    }
    long count = Math.max((long) Math.ceil((limit.num(0) - start.num(0)) / d), 0);
    Shape out = Shape.of(count);
    fold(n, out);
    ConstValue v = known.get(n.output(0));
    if (v != null && v.size() != count) {
      known.remove(n.output(0)); // float rounding disagrees with the count; keep only the shape
    }
    return List.of(new ValueInfo("", type, out));
  }

  // ---- values known before run time

  private void copyKnown(Node n, int input, Shape newShape) {
    ConstValue k = knownOf(n, input);
    if (k == null) {
      return;
    }
    if (newShape == null) {
      known.put(n.output(0), k);
    } else if (newShape.isKnown()) {
      known.put(n.output(0), k.reshaped(toIntShape(newShape)));
    }
  }

  /** Records the value of n's output when every input is known and the result is small. */
  private void fold(Node n, Shape out) {
    if (out.isKnown() && out.elementCount() > MAX_FOLD_ELEMENTS) {
      return;
    }
    List<ConstValue> in = new ArrayList<>();
    for (String name : n.inputs()) {
      ConstValue k = name.isEmpty() ? null : known.get(name);
      if (k == null && !name.isEmpty()) {
        return;
      }
      in.add(k);
    }
    put(n, () -> ConstantEvaluator.evaluate(n, in, graph.opset()).get(0));
  }

  private interface Kernel {
    ConstValue apply() throws CannotFold;
  }

  /** Records a kernel's result as n's output value; a refused or large result stays unknown. */
  private void put(Node n, Kernel kernel) {
    try {
      ConstValue v = kernel.apply();
      if (v.size() <= MAX_FOLD_ELEMENTS) {
        known.put(n.output(0), v);
      }
    } catch (CannotFold e) {
      // unknown until run time
    }
  }

  private ConstValue knownOrRefuse(Node n, int i) throws CannotFold {
    ConstValue k = knownOf(n, i);
    if (k == null) {
      throw new CannotFold("input " + i + " is not known");
    }
    return k;
  }

  // ---- helpers

  private List<ValueInfo> one(Node n, Shape shape) {
    return List.of(new ValueInfo("", typeOf(n, 0), shape));
  }

  private Shape shapeOf(Node n, int i) {
    ValueInfo v = n.hasInput(i) ? infos.get(n.input(i)) : null;
    return v == null ? Shape.unknown() : v.shape();
  }

  private DataType typeOf(Node n, int i) {
    ValueInfo v = n.hasInput(i) ? infos.get(n.input(i)) : null;
    return v == null ? DataType.UNDEFINED : v.type();
  }

  private ConstValue knownOf(Node n, int i) {
    return n.hasInput(i) ? known.get(n.input(i)) : null;
  }

  /** The fully known integer values of input i, or null. */
  private long[] constInts(Node n, int i) {
    ConstValue k = knownOf(n, i);
    return k == null || k.isFloat() || !k.fullyKnown() ? null : k.ints();
  }

  private static int normAxis(Node n, long axis, int rank, String what) {
    if (axis < -rank || axis >= rank) {
      throw fail(n, what + " " + axis + " is out of range for rank " + rank);
    }
    return (int) (axis < 0 ? axis + rank : axis);
  }

  private static Dim sameDim(Node n, Dim a, Dim b, String message) {
    if (a.isKnown() && b.isKnown()) {
      if (a.value() != b.value()) {
        throw fail(n, message);
      }
      return a;
    }
    if (a.isKnown() || b.isKnown()) {
      return a.isKnown() ? a : b;
    }
    return a.isSymbolic() ? a : b;
  }

  /** The product of dims: known if all are; the one unknown dim if the rest multiply to 1. */
  private static Dim product(List<Dim> dims) {
    long p = 1;
    Dim unknown = null;
    int unknownCount = 0;
    for (Dim d : dims) {
      if (d.isKnown()) {
        p *= d.value();
      } else {
        unknown = d;
        unknownCount++;
      }
    }
    if (unknownCount == 0) {
      return Dim.of(p);
    }
    return unknownCount == 1 && p == 1 ? unknown : Dim.unknown();
  }

  private static int[] toIntShape(Shape s) {
    long[] l = s.toArray();
    int[] out = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      out[i] = Math.toIntExact(l[i]);
    }
    return out;
  }

  private static InvalidGraphException fail(Node n, String message) {
    return new InvalidGraphException(n, message);
  }
}
