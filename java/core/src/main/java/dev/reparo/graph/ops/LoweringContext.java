package dev.reparo.graph.ops;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnExtents;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.NameAllocator;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one lowering of a graph to ncnn: the layers emitted so far, blob aliases (values
 * that are another blob under a new name), the MemoryData layers made for constants read as blobs,
 * and fresh names. The ncnn rules of {@link OpDef} read values and emit layers through it. Not
 * thread-safe.
 */
public final class LoweringContext {
  private static final String NCNN = "ncnn";

  private final Graph g;
  private final ShapeInference.Result si;
  private final List<Node> out = new ArrayList<>();
  private final Map<String, String> alias = new HashMap<>();
  private final Map<String, String> memoryData = new HashMap<>();
  private final Set<String> graphOutputs = new HashSet<>();
  private final NameAllocator names;

  public LoweringContext(Graph g, ShapeInference.Result si) {
    this.g = g;
    this.si = si;
    this.names = g.names();
    g.outputs().forEach(o -> graphOutputs.add(o.name()));
  }

  /** A builder for an ncnn layer node. */
  public static Node.Builder layer(String type, String name) {
    return Node.builder(type).domain(OpSchema.NCNN_DOMAIN).name(name);
  }

  /** Why {@code n} cannot be lowered. */
  public static UnsupportedOpException unsupported(Node n, String why) {
    return new UnsupportedOpException(n, NCNN, why);
  }

  public Graph graph() {
    return g;
  }

  /** The layers emitted so far, in order. */
  public List<Node> emitted() {
    return out;
  }

  /** Nodes whose every output is known before run time are dropped; their values stay known. */
  public boolean isFolded(Node n) {
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
  public Tensor constantOf(String value) {
    Tensor t = g.initializer(value);
    return t != null ? t : si.floatConstant(value);
  }

  LongTensor intsOf(String value) {
    LongTensor t = g.longInitializer(value);
    return t != null ? t : si.longConstant(value);
  }

  /** Input i's integer values. @throws UnsupportedOpException unless they are constants */
  long[] constInts(Node n, int i) {
    LongTensor t = intsOf(n.input(i));
    if (t == null) {
      throw unsupported(n, "input " + i + " is not a constant");
    }
    return t.data().clone();
  }

  Shape shape(String value) {
    return si.shape(value);
  }

  int rank(Node n, String value) {
    Shape s = shape(value);
    if (!s.hasRank()) {
      throw unsupported(n, "the rank of '" + value + "' is unknown");
    }
    return s.rank();
  }

  /** Input i as a blob: run-time values as they are, constants through a MemoryData layer. */
  String blob(Node n, int i, int rankOfPeers) {
    String v = n.input(i);
    if (constantOf(v) != null) {
      return memoryData(n, v, rankOfPeers);
    }
    if (intsOf(v) != null) {
      throw unsupported(n, "input '" + v + "' is an integer constant; ncnn blobs are float");
    }
    requireBatchOne(n, v);
    return resolve(v);
  }

  String blob(Node n, int i) {
    return blob(n, i, -1);
  }

  /** @throws UnsupportedOpException unless {@code value}'s first dim can be a batch of 1 */
  public void requireBatchOne(Node n, String value) {
    Shape s = shape(value);
    if (!s.hasRank() || s.rank() == 0) {
      return; // nothing known; ncnn will see what comes
    }
    Dim d = s.dim(0);
    if (s.rank() == 1 || d.isKnown() && d.value() != 1) {
      String what = "'" + value + "' has shape " + s + "; ncnn blobs have no batch axis, so the"
          + " first dim must be a batch of 1";
      throw unsupported(n != null ? n : Node.builder("Input").name(value).outputs(value).build(), what);
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
      throw unsupported(n, "constant '" + value + "' has more dims than the blobs it meets");
    }
    long[] padded = new long[r];
    Arrays.fill(padded, 1);
    for (int i = 0; i < t.rank(); i++) {
      padded[r - t.rank() + i] = t.dim(i);
    }
    if (padded.length < 2 || padded[0] != 1) {
      throw unsupported(n, "constant '" + value + "' of shape " + Arrays.toString(t.shape())
          + " has no batch axis of 1 to drop");
    }
    int[] whdc = NcnnExtents.of(Shape.of(padded));
    if (whdc == null) {
      throw unsupported(n, "constant '" + value + "' has rank " + r);
    }
    String weight = weight(value, t);
    String blobName = fresh(value + "_blob");
    emit(NcnnExtents.params(layer("MemoryData", fresh(value + "_data")).inputs(weight).outputs(blobName),
        whdc, r).build());
    g.putValueInfo(new ValueInfo(blobName, DataType.FLOAT, Shape.of(padded)));
    memoryData.put(key, blobName);
    return blobName;
  }

  /** A weight initializer holding {@code t}: {@code value} itself when it is one. */
  String weight(String value, Tensor t) {
    if (g.initializer(value) != null) {
      return value;
    }
    return newWeight(value + "_const", t);
  }

  /** A new weight initializer named after {@code base}. */
  String newWeight(String base, Tensor t) {
    String name = fresh(base);
    g.putInitializer(name, t);
    return name;
  }

  String fresh(String base) {
    return names.fresh(base);
  }

  String layerName(Node n) {
    return n.name().isEmpty() ? fresh(n.opType().toLowerCase() + "_" + out.size()) : n.name();
  }

  void emit(Node n) {
    out.add(n);
  }

  /** Makes {@code n}'s output the same blob as {@code source} (Identity, no-op reshapes...). */
  void passThrough(Node n, String source) {
    String o = n.output(0);
    if (graphOutputs.contains(o)) {
      // Graph outputs keep their names: a one-top Split hands the blob over without a copy.
      emit(layer("Split", layerName(n)).inputs(source).outputs(o).build());
    } else {
      alias.put(o, source);
    }
  }

  /** A Reshape layer to {@code dims} (batch included). */
  Node reshapeLayer(String name, String in, String outName, long[] dims) {
    int[] whdc = NcnnExtents.of(Shape.of(dims));
    if (whdc == null) {
      throw unsupported(Node.builder("Reshape").name(name).build(), "rank " + dims.length
          + " is beyond ncnn's 4 dims");
    }
    return NcnnExtents.params(layer("Reshape", name).inputs(in).outputs(outName), whdc, dims.length).build();
  }

  /** An ONNX axis as an ncnn axis (the batch dropped). */
  static int ncnnAxis(Node n, long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw unsupported(n, "axis " + axis + " is out of range for rank " + rank);
    }
    if (a == 0) {
      throw unsupported(n, "it works on the batch axis, which ncnn blobs lack");
    }
    return (int) a - 1;
  }

  /** An INTS attribute, or the default. */
  static long[] ints(Node n, String attr, long... dflt) {
    long[] v = n.attrInts(attr);
    return v == null ? dflt : v;
  }
}
