package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.layer;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lowers every standard ONNX node to the ncnn layer that computes it (Conv to Convolution or
 * ConvolutionDepthWise, BatchNormalization to BatchNorm, Transpose to Permute...), mapping NCHW
 * axes to ncnn's batch-less c, h, w. Values whose contents are known before run time (weights,
 * folded shape arithmetic) become weights or params; a constant read as a blob becomes a
 * MemoryData layer. The pattern passes of {@link NcnnLowering} then refine the result.
 *
 * <p>Every activation must have a batch of 1: ncnn blobs have no batch axis. A node ncnn cannot
 * express raises {@link UnsupportedOpException} naming it and saying why; the graph is then left
 * unchanged (its nodes; weights it had already copied may remain as unused initializers). Stateless and thread-safe.
 */
public final class LowerToNcnn implements GraphPass {
  private static final String NCNN = "ncnn";

  @Override
  public String name() {
    return "ncnn-lower";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    boolean anyOnnx = false;
    boolean anyNcnn = false;
    for (Node n : graph.nodes()) {
      boolean ncnn = OpSchema.NCNN_DOMAIN.equals(n.domain());
      anyNcnn |= ncnn;
      anyOnnx |= !ncnn;
    }
    if (!anyOnnx) {
      return;
    }
    if (anyNcnn) {
      throw new IllegalStateException("graph '" + graph.name() + "' mixes ONNX and ncnn nodes; lower it in one go");
    }
    ShapeInference.Result shapes = ShapeInference.infer(graph);
    new Lowering(graph, shapes, log).run();
  }

  /** The state of one lowering; not thread-safe. */
  private static final class Lowering {
    private final Graph g;
    private final ShapeInference.Result si;
    private final PassLog log;
    private final List<Node> out = new ArrayList<>();
    private final Map<String, String> alias = new HashMap<>();
    private final Map<String, String> memoryData = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>();
    private final Set<String> reserved = new HashSet<>();

    Lowering(Graph g, ShapeInference.Result si, PassLog log) {
      this.g = g;
      this.si = si;
      this.log = log;
      g.outputs().forEach(o -> graphOutputs.add(o.name()));
    }

    void run() {
      for (ValueInfo in : g.inputs()) {
        requireBatchOne(null, in.name());
      }
      for (Node n : g.nodes()) {
        if (isFolded(n)) {
          continue;
        }
        lower(n);
        log.rewrote(n.name().isEmpty() ? n.opType() + "->" + n.output(0) : n.name());
      }
      for (ValueInfo o : g.outputs()) {
        if (constantOf(o.name()) != null || g.isInitializer(o.name())) {
          throw new UnsupportedOpException(producerOrDummy(o.name()), NCNN, "graph output '" + o.name()
              + "' is a constant");
        }
      }
      g.setNodes(out);
      g.setOpsetImport(OpSchema.NCNN_DOMAIN, 1);
      for (String name : List.copyOf(g.longInitializers().keySet())) {
        g.removeInitializer(name);
      }
      NcnnLayers.dropUnusedInitializers(g);
    }

    private Node producerOrDummy(String value) {
      Node p = g.producer(value);
      return p != null ? p : Node.builder("Constant").outputs(value).build();
    }

    /** Nodes whose every output is known before run time are dropped; their values stay known. */
    private boolean isFolded(Node n) {
      if (n.outputs().isEmpty()) {
        return false;
      }
      for (String o : n.outputs()) {
        if (!o.isEmpty() && (si.longConstant(o) == null && si.floatConstant(o) == null || graphOutputs.contains(o))) {
          return false;
        }
      }
      return true;
    }

    // ---- values

    private String resolve(String value) {
      String v = value;
      while (alias.containsKey(v)) {
        v = alias.get(v);
      }
      return v;
    }

    /** A float constant's value: an initializer or a folded value; null for run-time values. */
    private Tensor constantOf(String value) {
      Tensor t = g.initializer(value);
      return t != null ? t : si.floatConstant(value);
    }

    private LongTensor intsOf(String value) {
      LongTensor t = g.longInitializer(value);
      return t != null ? t : si.longConstant(value);
    }

    private Shape shape(String value) {
      return si.shape(value);
    }

    private int rank(Node n, String value) {
      Shape s = shape(value);
      if (!s.hasRank()) {
        throw new UnsupportedOpException(n, NCNN, "the rank of '" + value + "' is unknown");
      }
      return s.rank();
    }

    /** Input i as a blob: run-time values as they are, constants through a MemoryData layer. */
    private String blob(Node n, int i, int rankOfPeers) {
      String v = n.input(i);
      if (constantOf(v) != null) {
        return memoryData(n, v, rankOfPeers);
      }
      if (intsOf(v) != null) {
        throw new UnsupportedOpException(n, NCNN, "input '" + v + "' is an integer constant; ncnn blobs are float");
      }
      requireBatchOne(n, v);
      return resolve(v);
    }

    private String blob(Node n, int i) {
      return blob(n, i, -1);
    }

    private void requireBatchOne(Node n, String value) {
      Shape s = shape(value);
      if (!s.hasRank() || s.rank() == 0) {
        return; // nothing known; ncnn will see what comes
      }
      Dim d = s.dim(0);
      if (s.rank() == 1 || d.isKnown() && d.value() != 1) {
        String what = "'" + value + "' has shape " + s + "; ncnn blobs have no batch axis, so the"
            + " first dim must be a batch of 1";
        if (n == null) {
          throw new UnsupportedOpException(Node.builder("Input").name(value).outputs(value).build(), NCNN, what);
        }
        throw new UnsupportedOpException(n, NCNN, what);
      }
    }

    /** A MemoryData layer holding constant {@code value} broadcast-aligned to {@code rank} dims. */
    private String memoryData(Node n, String value, int rank) {
      Tensor t = constantOf(value);
      int r = rank < 0 ? t.rank() : rank;
      String key = value + "@" + r;
      String existing = memoryData.get(key);
      if (existing != null) {
        return existing;
      }
      if (t.rank() > r) {
        throw new UnsupportedOpException(n, NCNN, "constant '" + value + "' has more dims than the blobs it meets");
      }
      long[] padded = new long[r];
      Arrays.fill(padded, 1);
      for (int i = 0; i < t.rank(); i++) {
        padded[r - t.rank() + i] = t.dim(i);
      }
      if (padded.length < 2 || padded[0] != 1) {
        throw new UnsupportedOpException(n, NCNN, "constant '" + value + "' of shape "
            + Arrays.toString(t.shape()) + " has no batch axis of 1 to drop");
      }
      int[] whdc = NcnnWriter.ncnnExtents(Shape.of(padded));
      if (whdc == null) {
        throw new UnsupportedOpException(n, NCNN, "constant '" + value + "' has rank " + r);
      }
      String weight = weight(value, t, padded.length);
      String blobName = fresh(value + "_blob");
      Node.Builder b = layer("MemoryData", fresh(value + "_data")).inputs(weight).outputs(blobName);
      b.intAttr("0", whdc[0]);
      if (r >= 3) {
        b.intAttr("1", whdc[1]);
      }
      if (r >= 5) {
        b.intAttr("11", whdc[2]);
      }
      if (r >= 4) {
        b.intAttr("2", whdc[3]);
      }
      out.add(b.build());
      g.putValueInfo(new ValueInfo(blobName, DataType.FLOAT, Shape.of(padded)));
      memoryData.put(key, blobName);
      return blobName;
    }

    /** A weight initializer holding {@code t}: {@code value} itself when it is one. */
    private String weight(String value, Tensor t, int unused) {
      if (g.initializer(value) != null) {
        return value;
      }
      String name = fresh(value + "_const");
      g.putInitializer(name, t);
      return name;
    }

    private String newWeight(String base, Tensor t) {
      String name = fresh(base);
      g.putInitializer(name, t);
      return name;
    }

    private String fresh(String base) {
      String name = base;
      for (int i = 1; reserved.contains(name) || g.usedNames().contains(name); i++) {
        name = base + "_" + i;
      }
      reserved.add(name);
      return name;
    }

    private String layerName(Node n) {
      return n.name().isEmpty() ? fresh(n.opType().toLowerCase() + "_" + out.size()) : n.name();
    }

    private void emit(Node n) {
      out.add(n);
    }

    /** Makes {@code n}'s output the same blob as {@code source} (Identity, no-op reshapes...). */
    private void passThrough(Node n, String source) {
      String o = n.output(0);
      if (graphOutputs.contains(o)) {
        // Graph outputs keep their names: a one-top Split hands the blob over without a copy.
        emit(layer("Split", layerName(n)).inputs(source).outputs(o).build());
      } else {
        alias.put(o, source);
      }
    }

    // ---- lowering, one ONNX operator at a time

    private void lower(Node n) {
      if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
        throw new UnsupportedOpException(n, OpSchema.supportedOps());
      }
      switch (n.opType()) {
        case "Conv" -> conv(n);
        case "BatchNormalization" -> batchNorm(n);
        case "Relu" -> unary(n, "ReLU");
        case "Sigmoid" -> unary(n, "Sigmoid");
        case "Tanh" -> unary(n, "TanH");
        case "Softplus" -> unary(n, "Softplus");
        case "Mish" -> unary(n, "Mish");
        case "Erf" -> unary(n, "Erf");
        case "Gelu" -> emit(layer("GELU", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0))
            .intAttr("0", n.attrString("approximate", "none").equals("tanh") ? 1 : 0).build());
        case "LeakyRelu" -> emit(layer("ReLU", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0))
            .floatAttr("0", n.attrFloat("alpha", 0.01f)).build());
        case "HardSwish" -> emit(layer("HardSwish", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0))
            .floatAttr("0", 1f / 6).floatAttr("1", 0.5f).build());
        case "HardSigmoid" -> emit(layer("HardSigmoid", layerName(n)).inputs(blob(n, 0))
            .outputs(n.output(0)).floatAttr("0", n.attrFloat("alpha", 0.2f))
            .floatAttr("1", n.attrFloat("beta", 0.5f)).build());
        case "Clip" -> clip(n);
        case "Identity" -> passThrough(n, blob(n, 0));
        case "Cast" -> {
          if (n.attrInt("to", 0) != DataType.FLOAT.onnxCode()) {
            throw new UnsupportedOpException(n, NCNN, "casts to a type other than float32");
          }
          passThrough(n, blob(n, 0));
        }
        case "Add", "Sub", "Mul", "Div", "Pow" -> binary(n);
        case "Concat" -> concat(n);
        case "Split" -> split(n);
        case "Slice" -> slice(n);
        case "Reshape", "Squeeze", "Unsqueeze" -> reshape(n);
        case "Flatten" -> flatten(n);
        case "Transpose" -> transpose(n);
        case "MaxPool", "AveragePool" -> pool(n);
        case "GlobalAveragePool", "GlobalMaxPool" -> globalPool(n, true);
        case "ReduceMean", "ReduceMax" -> reduceSpatial(n);
        case "Resize", "Upsample" -> resize(n);
        case "Gemm", "MatMul" -> innerProduct(n);
        case "Softmax" -> softmax(n);
        case "Constant" -> {
          Attribute v = n.attribute("value");
          if (v == null || !v.isFloatTensor()) {
            throw new UnsupportedOpException(n, NCNN, "only float tensor constants can be kept");
          }
          g.putInitializer(n.output(0), v.asTensor());
        }
        default -> throw new UnsupportedOpException(n, NCNN, "no ncnn layer computes it here"
            + " (Reparo lowers Conv, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softplus, Mish,"
            + " Erf, Gelu, HardSwish,"
            + " HardSigmoid, Clip, Identity, Add, Sub, Mul, Div, Pow, Concat, Split, Slice, Reshape,"
            + " Squeeze, Unsqueeze, Flatten, Transpose, MaxPool, AveragePool, GlobalAveragePool,"
            + " GlobalMaxPool, Resize, Upsample, Gemm, MatMul, Softmax and constant shape arithmetic)");
      }
    }

    private void unary(Node n, String type) {
      emit(layer(type, layerName(n)).inputs(blob(n, 0)).outputs(n.output(0)).build());
    }

    private void conv(Node n) {
      Tensor w = constantOf(n.input(1));
      if (w == null || w.rank() != 4) {
        throw new UnsupportedOpException(n, NCNN, w == null ? "its weight is not a constant"
            : "only 2-D convolutions are supported (weight rank " + w.rank() + ")");
      }
      long group = n.attrInt("group", 1);
      int cout = w.dim(0);
      int kh = w.dim(2);
      int kw = w.dim(3);
      long[] dil = ints(n, "dilations", 1, 1);
      long[] strides = ints(n, "strides", 1, 1);
      long[] pads = n.attrInts("pads");
      if (pads == null) {
        pads = new long[4];
      }
      String autoPad = n.attrString("auto_pad", "NOTSET");
      Node.Builder b = layer(group == 1 ? "Convolution" : "ConvolutionDepthWise", layerName(n))
          .outputs(n.output(0));
      b.intAttr("0", cout).intAttr("1", kw).intAttr("11", kh).intAttr("2", dil[1]).intAttr("12", dil[0])
          .intAttr("3", strides[1]).intAttr("13", strides[0]);
      switch (autoPad) {
        case "NOTSET" -> b.intAttr("4", pads[1]).intAttr("15", pads[3]).intAttr("14", pads[0])
            .intAttr("16", pads[2]);
        case "VALID" -> b.intAttr("4", 0);
        case "SAME_UPPER" -> b.intAttr("4", -233);
        case "SAME_LOWER" -> b.intAttr("4", -234);
        default -> throw new UnsupportedOpException(n, NCNN, "auto_pad " + autoPad);
      }
      boolean bias = n.hasInput(2);
      b.intAttr("5", bias ? 1 : 0).intAttr("6", w.size());
      if (group != 1) {
        b.intAttr("7", group);
      }
      List<String> inputs = new ArrayList<>(List.of(blob(n, 0), weight(n.input(1), w, 0)));
      if (bias) {
        Tensor bt = constantOf(n.input(2));
        if (bt == null) {
          throw new UnsupportedOpException(n, NCNN, "its bias is not a constant");
        }
        inputs.add(weight(n.input(2), bt, 0));
      }
      emit(b.inputs(inputs.toArray(String[]::new)).build());
    }

    private void batchNorm(Node n) {
      for (int i = 1; i < n.outputs().size(); i++) {
        if (!n.output(i).isEmpty() && !g.consumers(n.output(i)).isEmpty()) {
          throw new UnsupportedOpException(n, NCNN, "training-mode statistics outputs are read");
        }
      }
      String[] w = new String[4];
      int[] order = {1, 3, 4, 2}; // ncnn reads slope (scale), mean, var, bias
      int c = -1;
      for (int k = 0; k < 4; k++) {
        Tensor t = constantOf(n.input(order[k]));
        if (t == null) {
          throw new UnsupportedOpException(n, NCNN, "input " + order[k] + " is not a constant");
        }
        c = t.size();
        w[k] = weight(n.input(order[k]), t, 0);
      }
      emit(layer("BatchNorm", layerName(n)).inputs(blob(n, 0), w[0], w[1], w[2], w[3])
          .outputs(n.output(0)).intAttr("0", c).floatAttr("1", n.attrFloat("epsilon", 1e-5f)).build());
    }

    private void clip(Node n) {
      float min = n.attrFloat("min", -Float.MAX_VALUE);
      float max = n.attrFloat("max", Float.MAX_VALUE);
      if (n.hasInput(1)) {
        min = scalar(n, 1);
      }
      if (n.hasInput(2)) {
        max = scalar(n, 2);
      }
      Node.Builder b = layer("Clip", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0));
      if (min > -Float.MAX_VALUE) {
        b.floatAttr("0", min); // absent: ncnn's default -FLT_MAX
      }
      if (max < Float.MAX_VALUE) {
        b.floatAttr("1", max);
      }
      emit(b.build());
    }

    private float scalar(Node n, int i) {
      Tensor t = constantOf(n.input(i));
      if (t == null || t.size() != 1) {
        throw new UnsupportedOpException(n, NCNN, "input " + i + " must be a constant scalar");
      }
      return t.data()[0];
    }

    private void binary(Node n) {
      int op = switch (n.opType()) {
        case "Add" -> 0;
        case "Sub" -> 1;
        case "Mul" -> 2;
        case "Div" -> 3;
        default -> 6; // Pow
      };
      Tensor a = constantOf(n.input(0));
      Tensor b = constantOf(n.input(1));
      if (a != null && b != null) {
        throw new UnsupportedOpException(n, NCNN, "both operands are constants (fold them first)");
      }
      Tensor k = a != null ? a : b;
      if (k != null && k.size() == 1) {
        int opWithScalar = a == null ? op : switch (op) {
          case 1 -> 7; // constant - x: rsub
          case 3 -> 8; // constant / x: rdiv
          case 6 -> 9; // constant ^ x: rpow
          default -> op;
        };
        emit(layer("BinaryOp", layerName(n)).inputs(blob(n, a == null ? 0 : 1)).outputs(n.output(0))
            .intAttr("0", opWithScalar).intAttr("1", 1).floatAttr("2", k.data()[0]).build());
        return;
      }
      int ra = rank(n, n.input(0));
      int rb = rank(n, n.input(1));
      int r = Math.max(ra, rb);
      if (k == null && ra != rb) {
        throw new UnsupportedOpException(n, NCNN, "operands of rank " + ra + " and " + rb
            + " broadcast differently in ncnn");
      }
      String x = blob(n, 0, r);
      String y = blob(n, 1, r);
      Shape sa = shape(n.input(0));
      Shape sb = shape(n.input(1));
      if (op == 0 && k == null && sa.isKnown() && sa.equals(sb)) {
        emit(layer("Eltwise", layerName(n)).inputs(x, y).outputs(n.output(0)).intAttr("0", 1).build());
        return;
      }
      emit(layer("BinaryOp", layerName(n)).inputs(x, y).outputs(n.output(0)).intAttr("0", op).build());
    }

    private void concat(Node n) {
      int r = rank(n, n.output(0));
      int axis = ncnnAxis(n, n.attrInt("axis", 1), r);
      String[] ins = new String[n.inputs().size()];
      for (int i = 0; i < ins.length; i++) {
        ins[i] = blob(n, i, r);
      }
      emit(layer("Concat", layerName(n)).inputs(ins).outputs(n.output(0)).intAttr("0", axis).build());
    }

    private void split(Node n) {
      int r = rank(n, n.input(0));
      int axis = ncnnAxis(n, n.attrInt("axis", 0), r);
      long[] sizes = n.attrInts("split");
      if (sizes == null && n.hasInput(1)) {
        LongTensor s = intsOf(n.input(1));
        if (s == null) {
          throw new UnsupportedOpException(n, NCNN, "its split sizes are not constants");
        }
        sizes = s.data().clone();
      }
      int outs = n.outputs().size();
      if (sizes == null) {
        Shape in = shape(n.input(0));
        Dim d = in.dim(axis + 1);
        sizes = new long[outs];
        if (d.isKnown()) {
          long each = (d.value() + outs - 1) / outs; // ONNX: equal parts, the last one smaller
          for (int i = 0; i < outs; i++) {
            sizes[i] = Math.min(each, d.value() - each * i);
          }
        } else {
          Arrays.fill(sizes, -233);
        }
      }
      if (sizes.length != outs) {
        throw new UnsupportedOpException(n, NCNN, sizes.length + " split sizes for " + outs + " outputs");
      }
      emit(layer("Slice", layerName(n)).inputs(blob(n, 0)).outputs(n.outputs().toArray(String[]::new))
          .intsAttr("0", sizes).intAttr("1", axis).build());
    }

    private void slice(Node n) {
      long[] starts;
      long[] ends;
      long[] axes;
      long[] steps = null;
      if (n.hasAttribute("starts")) {
        starts = n.attrInts("starts");
        ends = n.attrInts("ends");
        axes = n.attrInts("axes");
      } else {
        starts = constInts(n, 1);
        ends = constInts(n, 2);
        axes = n.hasInput(3) ? constInts(n, 3) : null;
        steps = n.hasInput(4) ? constInts(n, 4) : null;
      }
      Shape in = shape(n.input(0));
      if (!in.isKnown()) {
        throw new UnsupportedOpException(n, NCNN, "the shape of its input is not known");
      }
      long[] dims = in.toArray();
      List<Long> s = new ArrayList<>();
      List<Long> e = new ArrayList<>();
      List<Long> a = new ArrayList<>();
      for (int i = 0; i < starts.length; i++) {
        int axis = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + dims.length : axes[i]);
        long step = steps == null ? 1 : steps[i];
        long size = dims[axis];
        long st = clampIndex(starts[i], size);
        long en = clampIndex(ends[i], size);
        if (step != 1) {
          throw new UnsupportedOpException(n, NCNN, "step " + step + " on axis " + axis
              + " (ncnn crops are contiguous; the Focus rewrite removes strided slices)");
        }
        if (st == 0 && en == size) {
          continue;
        }
        if (axis == 0) {
          throw new UnsupportedOpException(n, NCNN, "it slices the batch axis");
        }
        s.add(st);
        e.add(en);
        a.add((long) axis - 1);
      }
      String x = blob(n, 0);
      if (a.isEmpty()) {
        passThrough(n, x);
        return;
      }
      emit(layer("Crop", layerName(n)).inputs(x).outputs(n.output(0))
          .intsAttr("9", toArray(s)).intsAttr("10", toArray(e)).intsAttr("11", toArray(a)).build());
    }

    private static long clampIndex(long i, long size) {
      long v = i < 0 ? i + size : i;
      return Math.max(0, Math.min(size, v));
    }

    private long[] constInts(Node n, int i) {
      LongTensor t = intsOf(n.input(i));
      if (t == null) {
        throw new UnsupportedOpException(n, NCNN, "input " + i + " is not a constant");
      }
      return t.data().clone();
    }

    private static long[] toArray(List<Long> l) {
      return l.stream().mapToLong(Long::longValue).toArray();
    }

    private void reshape(Node n) {
      Shape o = shape(n.output(0));
      Shape in = shape(n.input(0));
      if (!o.isKnown()) {
        throw new UnsupportedOpException(n, NCNN, "its output shape is not known");
      }
      long[] dims = o.toArray();
      if (dims.length < 2 || dims[0] != 1) {
        throw new UnsupportedOpException(n, NCNN, "it reshapes to " + o + ", which moves the batch axis");
      }
      String x = blob(n, 0);
      if (in.equals(o)) {
        passThrough(n, x);
        return;
      }
      emit(reshapeLayer(layerName(n), x, n.output(0), dims));
    }

    private Node reshapeLayer(String name, String in, String outName, long[] dims) {
      int[] whdc = NcnnWriter.ncnnExtents(Shape.of(dims));
      if (whdc == null) {
        throw new UnsupportedOpException(Node.builder("Reshape").name(name).build(), NCNN,
            "rank " + dims.length + " is beyond ncnn's 4 dims");
      }
      Node.Builder b = layer("Reshape", name).inputs(in).outputs(outName).intAttr("0", whdc[0]);
      int r = dims.length - 1;
      if (r >= 2) {
        b.intAttr("1", whdc[1]);
      }
      if (r >= 4) {
        b.intAttr("11", whdc[2]);
      }
      if (r >= 3) {
        b.intAttr("2", whdc[3]);
      }
      return b.build();
    }

    private void flatten(Node n) {
      int r = rank(n, n.input(0));
      long axis = n.attrInt("axis", 1);
      if (axis < 0) {
        axis += r;
      }
      if (axis != 1) {
        throw new UnsupportedOpException(n, NCNN, "Flatten on axis " + axis + " (ncnn flattens all but the batch)");
      }
      emit(layer("Flatten", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0)).build());
    }

    /** ncnn's Permute orders: output axes innermost first, as letters of the input's axes. */
    private static final String[][] PERMUTE_ORDERS = {
      {"wh", "hw"},
      {"whc", "hwc", "wch", "cwh", "hcw", "chw"},
      {"whdc", "hwdc", "wdhc", "dwhc", "hdwc", "dhwc", "whcd", "hwcd", "wchd", "cwhd", "hcwd",
        "chwd", "wdch", "dwch", "wcdh", "cwdh", "dcwh", "cdwh", "hdcw", "dhcw", "hcdw", "chdw",
        "dchw", "cdhw"},
    };

    private void transpose(Node n) {
      int r = rank(n, n.input(0));
      long[] perm = n.attrInts("perm");
      if (perm == null) {
        perm = new long[r];
        for (int i = 0; i < r; i++) {
          perm[i] = r - 1 - i;
        }
      }
      if (perm[0] != 0) {
        throw new UnsupportedOpException(n, NCNN, "perm " + Arrays.toString(perm) + " moves the batch axis");
      }
      String x = blob(n, 0);
      boolean identity = true;
      for (int i = 0; i < r; i++) {
        identity &= perm[i] == i;
      }
      if (identity) {
        passThrough(n, x);
        return;
      }
      if (r < 3 || r > 5) {
        throw new UnsupportedOpException(n, NCNN, "rank " + r + " permutes are not supported");
      }
      String letters = r == 3 ? "hw" : r == 4 ? "chw" : "cdhw"; // input axes 1.. outer first
      StringBuilder wanted = new StringBuilder();
      for (int i = r - 1; i >= 1; i--) {
        wanted.append(letters.charAt((int) perm[i] - 1));
      }
      String[] orders = PERMUTE_ORDERS[r - 3];
      int order = Arrays.asList(orders).indexOf(wanted.toString());
      emit(layer("Permute", layerName(n)).inputs(x).outputs(n.output(0)).intAttr("0", order).build());
    }

    private void pool(Node n) {
      if (n.outputs().size() > 1 && !n.output(1).isEmpty() && !g.consumers(n.output(1)).isEmpty()) {
        throw new UnsupportedOpException(n, NCNN, "its indices output is read");
      }
      long[] k = n.attrInts("kernel_shape");
      if (k == null || k.length != 2) {
        throw new UnsupportedOpException(n, NCNN, "only 2-D pooling is supported");
      }
      long[] dil = ints(n, "dilations", 1, 1);
      if (dil[0] != 1 || dil[1] != 1) {
        throw new UnsupportedOpException(n, NCNN, "dilated pooling");
      }
      long[] s = ints(n, "strides", 1, 1);
      long[] pads = n.attrInts("pads");
      if (pads == null) {
        pads = new long[4];
      }
      boolean max = n.opType().equals("MaxPool");
      Node.Builder b = layer("Pooling", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0))
          .intAttr("0", max ? 0 : 1).intAttr("1", k[1]).intAttr("11", k[0]).intAttr("2", s[1])
          .intAttr("12", s[0]);
      String autoPad = n.attrString("auto_pad", "NOTSET");
      switch (autoPad) {
        case "NOTSET", "VALID" -> {
          if (autoPad.equals("NOTSET")) {
            b.intAttr("3", pads[1]).intAttr("14", pads[3]).intAttr("13", pads[0]).intAttr("15", pads[2]);
          }
          b.intAttr("5", n.attrInt("ceil_mode", 0) != 0 ? 0 : 1);
        }
        case "SAME_UPPER" -> b.intAttr("5", 2);
        case "SAME_LOWER" -> b.intAttr("5", 3);
        default -> throw new UnsupportedOpException(n, NCNN, "auto_pad " + autoPad);
      }
      if (!max) {
        b.intAttr("6", n.attrInt("count_include_pad", 0));
      }
      emit(b.build());
    }

    /** A mean or max over the two spatial axes of NCHW is global pooling. */
    private void reduceSpatial(Node n) {
      int r = rank(n, n.input(0));
      long[] axes = n.hasInput(1) ? constInts(n, 1) : n.attrInts("axes");
      boolean spatial = r == 4 && axes != null && axes.length == 2;
      if (spatial) {
        long a0 = axes[0] < 0 ? axes[0] + r : axes[0];
        long a1 = axes[1] < 0 ? axes[1] + r : axes[1];
        spatial = Math.min(a0, a1) == 2 && Math.max(a0, a1) == 3;
      }
      if (!spatial) {
        throw new UnsupportedOpException(n, NCNN, "only reductions over the spatial axes of NCHW are supported");
      }
      globalPool(n, n.attrInt("keepdims", 1) != 0);
    }

    private void globalPool(Node n, boolean keepDims) {
      Shape in = shape(n.input(0));
      if (!in.hasRank() || in.rank() != 4 || !in.dim(1).isKnown()) {
        throw new UnsupportedOpException(n, NCNN, "global pooling needs an NCHW input with known channels");
      }
      String pooled = keepDims ? fresh(n.output(0) + "_flat") : n.output(0);
      String name = layerName(n);
      emit(layer("Pooling", name).inputs(blob(n, 0)).outputs(pooled)
          .intAttr("0", n.opType().equals("GlobalMaxPool") || n.opType().equals("ReduceMax") ? 0 : 1)
          .intAttr("4", 1).build());
      if (!keepDims) {
        return; // [1, C] is ncnn's 1-D blob of C values
      }
      // ncnn's global pooling yields a 1-D blob of C values; ONNX keeps [1, C, 1, 1].
      emit(reshapeLayer(fresh(name + "_reshape"), pooled, n.output(0), new long[] {1, in.dim(1).value(), 1, 1}));
      g.putValueInfo(new ValueInfo(pooled, DataType.FLOAT, Shape.of(1, in.dim(1).value())));
    }

    private void resize(Node n) {
      String mode = n.attrString("mode", "nearest");
      Shape in = shape(n.input(0));
      Shape o = shape(n.output(0));
      if (!in.isKnown() || !o.isKnown() || in.rank() != 4 || in.dim(0).value() != o.dim(0).value()
          || in.dim(1).value() != o.dim(1).value()) {
        throw new UnsupportedOpException(n, NCNN, "only spatial resizing of a known NCHW shape is supported");
      }
      Node.Builder b = layer("Interp", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0));
      String ctm = n.attrString("coordinate_transformation_mode", "half_pixel");
      long oh = o.dim(2).value();
      long ow = o.dim(3).value();
      long ih = in.dim(2).value();
      long iw = in.dim(3).value();
      switch (mode) {
        case "nearest" -> {
          boolean integerScales = oh % ih == 0 && ow % iw == 0;
          if (!integerScales && !ctm.equals("asymmetric")) {
            throw new UnsupportedOpException(n, NCNN, "nearest resize by a non-integer factor with "
                + ctm + " coordinates");
          }
          b.intAttr("0", 1);
        }
        case "linear", "bilinear" -> {
          switch (ctm) {
            case "align_corners" -> b.intAttr("0", 2).intAttr("6", 1);
            case "half_pixel", "pytorch_half_pixel" -> b.intAttr("0", 2);
            default -> throw new UnsupportedOpException(n, NCNN, "linear resize with " + ctm + " coordinates");
          }
        }
        default -> throw new UnsupportedOpException(n, NCNN, "resize mode '" + mode + "'");
      }
      if (oh % ih == 0 && ow % iw == 0) {
        b.floatAttr("1", (float) oh / ih).floatAttr("2", (float) ow / iw);
      } else {
        b.intAttr("3", oh).intAttr("4", ow);
      }
      emit(b.build());
    }

    private void innerProduct(Node n) {
      Shape a = shape(n.input(0));
      Tensor bw = constantOf(n.input(1));
      if (!a.hasRank() || a.rank() != 2 || bw == null || bw.rank() != 2) {
        throw new UnsupportedOpException(n, NCNN, "only [1, K] x constant [K, N] products become InnerProduct");
      }
      boolean gemm = n.opType().equals("Gemm");
      if (gemm && n.attrInt("transA", 0) != 0) {
        throw new UnsupportedOpException(n, NCNN, "transA=1");
      }
      boolean transB = gemm && n.attrInt("transB", 0) != 0;
      float alpha = gemm ? n.attrFloat("alpha", 1f) : 1f;
      float beta = gemm ? n.attrFloat("beta", 1f) : 1f;
      int outs = transB ? bw.dim(0) : bw.dim(1);
      int ins = transB ? bw.dim(1) : bw.dim(0);
      float[] w = new float[outs * ins]; // ncnn wants [N, K] row-major
      for (int o = 0; o < outs; o++) {
        for (int i = 0; i < ins; i++) {
          w[o * ins + i] = alpha * (transB ? bw.data()[o * ins + i] : bw.data()[i * outs + o]);
        }
      }
      String x = blob(n, 0);
      List<String> inputs = new ArrayList<>(List.of(x, newWeight(n.input(1) + "_ncnn", Tensor.of(w, outs, ins))));
      boolean bias = gemm && n.hasInput(2);
      if (bias) {
        Tensor c = constantOf(n.input(2));
        if (c == null || c.size() != outs && c.size() != 1) {
          throw new UnsupportedOpException(n, NCNN, "its bias is not a constant of " + outs + " values");
        }
        float[] bv = new float[outs];
        for (int o = 0; o < outs; o++) {
          bv[o] = beta * c.data()[c.size() == 1 ? 0 : o];
        }
        inputs.add(newWeight(n.input(2) + "_ncnn", Tensor.of(bv, outs)));
      }
      emit(layer("InnerProduct", layerName(n)).inputs(inputs.toArray(String[]::new)).outputs(n.output(0))
          .intAttr("0", outs).intAttr("1", bias ? 1 : 0).intAttr("2", (long) outs * ins).build());
    }

    private void softmax(Node n) {
      int r = rank(n, n.input(0));
      long axis = n.attrInt("axis", g.opset() >= 13 ? -1 : 1);
      long norm = axis < 0 ? axis + r : axis;
      if (g.opset() < 13 && norm != r - 1) {
        throw new UnsupportedOpException(n, NCNN, "opset < 13 softmax over flattened axes " + norm + ".." + (r - 1));
      }
      emit(layer("Softmax", layerName(n)).inputs(blob(n, 0)).outputs(n.output(0))
          .intAttr("0", ncnnAxis(n, axis, r)).intAttr("1", 1).build());
    }

    private static int ncnnAxis(Node n, long axis, int rank) {
      long a = axis < 0 ? axis + rank : axis;
      if (a < 0 || a >= rank) {
        throw new UnsupportedOpException(n, NCNN, "axis " + axis + " is out of range for rank " + rank);
      }
      if (a == 0) {
        throw new UnsupportedOpException(n, NCNN, "it works on the batch axis, which ncnn blobs lack");
      }
      return (int) a - 1;
    }

    private static long[] ints(Node n, String attr, long... dflt) {
      long[] v = n.attrInts(attr);
      return v == null ? dflt : v;
    }
  }
}
