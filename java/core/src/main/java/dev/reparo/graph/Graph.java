package dev.reparo.graph;

import dev.reparo.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A model as Reparo transforms it: graph inputs and outputs, nodes in topological order, weights,
 * and the model-level facts ONNX keeps beside the graph (opsets, IR version, producer, metadata).
 *
 * <p>Weights are {@link Tensor}s (float32); integer constants (shapes, axes, indices) are {@link
 * LongTensor}s. The two share one namespace. {@link #valueInfo} holds known types and shapes of
 * intermediate values, from the file or from {@link ShapeInference}.
 *
 * <p>Mutable and not thread-safe: confine a graph to one thread while passes run, or copy it.
 * Accessors return read-only views.
 */
public final class Graph {
  /** The IR version new graphs are written with; ONNX 1.13+ reads it, with opsets up to 18. */
  public static final long DEFAULT_IR_VERSION = 8;

  private String name;
  private long irVersion = DEFAULT_IR_VERSION;
  private String producerName = "";
  private String producerVersion = "";
  private final Map<String, Long> opsetImports = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final List<ValueInfo> inputs = new ArrayList<>();
  private final List<ValueInfo> outputs = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final Map<String, LongTensor> longInitializers = new LinkedHashMap<>();
  private final Map<String, ValueInfo> valueInfo = new LinkedHashMap<>();

  /** An empty graph importing the default ONNX domain at {@code opset}. */
  public Graph(String name, long opset) {
    this.name = Objects.requireNonNull(name, "name");
    opsetImports.put("", opset);
  }

  /** A copy sharing the immutable parts (nodes, tensors) with this graph. */
  public Graph copy() {
    Graph g = new Graph(name, 0);
    g.opsetImports.clear();
    g.opsetImports.putAll(opsetImports);
    g.irVersion = irVersion;
    g.producerName = producerName;
    g.producerVersion = producerVersion;
    g.metadata.putAll(metadata);
    g.inputs.addAll(inputs);
    g.outputs.addAll(outputs);
    g.nodes.addAll(nodes);
    g.initializers.putAll(initializers);
    g.longInitializers.putAll(longInitializers);
    g.valueInfo.putAll(valueInfo);
    return g;
  }

  public String name() {
    return name;
  }

  public void setName(String newName) {
    this.name = Objects.requireNonNull(newName);
  }

  // ---- model-level facts

  /** The version of the default ONNX operator set ("" or "ai.onnx"), or 0 if none is imported. */
  public long opset() {
    Long v = opsetImports.get("");
    return v != null ? v : opsetImports.getOrDefault("ai.onnx", 0L);
  }

  public void setOpset(long version) {
    opsetImports.remove("ai.onnx");
    opsetImports.put("", version);
  }

  /** Operator set versions by domain ("" is standard ONNX). */
  public Map<String, Long> opsetImports() {
    return Collections.unmodifiableMap(opsetImports);
  }

  public void setOpsetImport(String domain, long version) {
    opsetImports.put(domain, version);
  }

  public long irVersion() {
    return irVersion;
  }

  public void setIrVersion(long version) {
    this.irVersion = version;
  }

  public String producerName() {
    return producerName;
  }

  public String producerVersion() {
    return producerVersion;
  }

  public void setProducer(String producer, String version) {
    this.producerName = Objects.requireNonNull(producer);
    this.producerVersion = Objects.requireNonNull(version);
  }

  /** The model's {@code metadata_props}, in file order. */
  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  public void putMetadata(String key, String value) {
    metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
  }

  public void removeMetadata(String key) {
    metadata.remove(key);
  }

  // ---- inputs and outputs

  /** The graph inputs fed at run time (never initializers). */
  public List<ValueInfo> inputs() {
    return Collections.unmodifiableList(inputs);
  }

  public void addInput(ValueInfo input) {
    inputs.add(Objects.requireNonNull(input));
  }

  public void setInputs(List<ValueInfo> newInputs) {
    inputs.clear();
    inputs.addAll(newInputs);
  }

  public List<ValueInfo> outputs() {
    return Collections.unmodifiableList(outputs);
  }

  public void addOutput(ValueInfo output) {
    outputs.add(Objects.requireNonNull(output));
  }

  public void setOutputs(List<ValueInfo> newOutputs) {
    outputs.clear();
    outputs.addAll(newOutputs);
  }

  // ---- nodes

  /** The nodes; in topological order once {@link #sortTopologically()} or a reader has run. */
  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  public void addNode(Node node) {
    nodes.add(Objects.requireNonNull(node));
  }

  public void addNode(int index, Node node) {
    nodes.add(index, Objects.requireNonNull(node));
  }

  /** Replaces {@code old} (by identity or equality) with {@code replacement} at the same position. */
  public void replaceNode(Node old, Node replacement) {
    int i = nodes.indexOf(old);
    if (i < 0) {
      throw new IllegalArgumentException("not in graph: " + old);
    }
    nodes.set(i, Objects.requireNonNull(replacement));
  }

  public boolean removeNode(Node node) {
    return nodes.remove(node);
  }

  public void setNodes(List<Node> newNodes) {
    nodes.clear();
    nodes.addAll(newNodes);
  }

  /** The node that outputs {@code value}, or null (graph inputs and initializers have none). */
  public Node producer(String value) {
    for (Node n : nodes) {
      if (n.outputs().contains(value)) {
        return n;
      }
    }
    return null;
  }

  /** The nodes that read {@code value}, in graph order. */
  public List<Node> consumers(String value) {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes) {
      if (n.inputs().contains(value)) {
        out.add(n);
      }
    }
    return out;
  }

  // ---- initializers

  /** The float32 initializers by name, in insertion order. */
  public Map<String, Tensor> initializers() {
    return Collections.unmodifiableMap(initializers);
  }

  /** The integer initializers by name, in insertion order. */
  public Map<String, LongTensor> longInitializers() {
    return Collections.unmodifiableMap(longInitializers);
  }

  /** The float32 initializer of that name, or null. */
  public Tensor initializer(String value) {
    return initializers.get(value);
  }

  /** The integer initializer of that name, or null. */
  public LongTensor longInitializer(String value) {
    return longInitializers.get(value);
  }

  public boolean isInitializer(String value) {
    return initializers.containsKey(value) || longInitializers.containsKey(value);
  }

  /** Adds or replaces a float32 initializer (replacing an integer one of the same name). */
  public void putInitializer(String value, Tensor tensor) {
    longInitializers.remove(value);
    initializers.put(value, Objects.requireNonNull(tensor));
  }

  /** Adds or replaces an integer initializer (replacing a float32 one of the same name). */
  public void putInitializer(String value, LongTensor tensor) {
    initializers.remove(value);
    longInitializers.put(value, Objects.requireNonNull(tensor));
  }

  public void removeInitializer(String value) {
    initializers.remove(value);
    longInitializers.remove(value);
  }

  // ---- value info

  /** Known types and shapes of intermediate values by name. */
  public Map<String, ValueInfo> valueInfos() {
    return Collections.unmodifiableMap(valueInfo);
  }

  public void putValueInfo(ValueInfo info) {
    valueInfo.put(info.name(), info);
  }

  public void clearValueInfo() {
    valueInfo.clear();
  }

  /**
   * What is known of a value: from the graph inputs, outputs, initializers or {@link #valueInfos()}
   * (in that order); null if the graph says nothing of it.
   */
  public ValueInfo valueInfo(String value) {
    for (ValueInfo v : inputs) {
      if (v.name().equals(value)) {
        return v;
      }
    }
    Tensor t = initializers.get(value);
    if (t != null) {
      return new ValueInfo(value, DataType.FLOAT, Shape.of(t.shape()));
    }
    LongTensor l = longInitializers.get(value);
    if (l != null) {
      return new ValueInfo(value, l.type(), Shape.of(l.shape()));
    }
    ValueInfo v = valueInfo.get(value);
    if (v != null) {
      return v;
    }
    for (ValueInfo o : outputs) {
      if (o.name().equals(value)) {
        return o;
      }
    }
    return null;
  }

  /** Every value name in use (inputs, initializers, node outputs) plus every node name. */
  public Set<String> usedNames() {
    Set<String> used = new HashSet<>();
    inputs.forEach(v -> used.add(v.name()));
    outputs.forEach(v -> used.add(v.name()));
    used.addAll(initializers.keySet());
    used.addAll(longInitializers.keySet());
    for (Node n : nodes) {
      used.add(n.name());
      used.addAll(n.outputs());
      used.addAll(n.inputs());
    }
    return used;
  }

  /** A name allocator that avoids every name in use now ({@link #usedNames()}). */
  public NameAllocator names() {
    return new NameAllocator(usedNames());
  }

  /** {@code base}, or {@code base_1}, {@code base_2}... whichever is not yet a value or node name. */
  public String uniqueName(String base) {
    return names().fresh(base);
  }


  // ---- ordering

  /**
   * Reorders the nodes so that each comes after the producers of its inputs, keeping the current
   * order wherever it already is valid.
   *
   * @throws InvalidGraphException naming a node that reads a value nothing provides, a value two
   *     nodes produce, or the nodes on a cycle
   */
  public void sortTopologically() {
    Set<String> available = new HashSet<>();
    available.add("");
    inputs.forEach(v -> available.add(v.name()));
    available.addAll(initializers.keySet());
    available.addAll(longInitializers.keySet());

    Map<String, Integer> producerOf = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      for (String out : n.outputs()) {
        if (out.isEmpty()) {
          continue;
        }
        Integer prev = producerOf.putIfAbsent(out, i);
        if (prev != null) {
          throw new InvalidGraphException(n, "output '" + out + "' is already produced by "
              + nodes.get(prev).describe());
        }
        if (available.contains(out)) {
          throw new InvalidGraphException(n, "output '" + out
              + "' has the name of a graph input or initializer");
        }
      }
    }

    int count = nodes.size();
    int[] pending = new int[count];
    List<List<Integer>> dependents = new ArrayList<>();
    List<List<Integer>> dependencies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      dependents.add(new ArrayList<>());
      dependencies.add(new ArrayList<>());
    }
    for (int i = 0; i < count; i++) {
      Node n = nodes.get(i);
      Set<Integer> deps = new HashSet<>();
      for (String in : n.inputs()) {
        if (available.contains(in)) {
          continue;
        }
        Integer p = producerOf.get(in);
        if (p == null) {
          throw new InvalidGraphException(n, "input '" + in
              + "' is not a graph input, an initializer or any node's output");
        }
        if (p == i) {
          throw new InvalidGraphException(n, "reads its own output '" + in + "' (cycle)");
        }
        if (deps.add(p)) {
          dependents.get(p).add(i);
          dependencies.get(i).add(p);
          pending[i]++;
        }
      }
    }

    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < count; i++) {
      if (pending[i] == 0) {
        ready.add(i);
      }
    }
    List<Node> sorted = new ArrayList<>(count);
    while (!ready.isEmpty()) {
      int i = ready.poll();
      sorted.add(nodes.get(i));
      for (int d : dependents.get(i)) {
        if (--pending[d] == 0) {
          ready.add(d);
        }
      }
    }
    if (sorted.size() < count) {
      throw cycleError(pending, dependencies);
    }
    nodes.clear();
    nodes.addAll(sorted);
  }

  /** Names the nodes of one cycle among the nodes that could not be ordered (pending > 0). */
  private InvalidGraphException cycleError(int[] pending, List<List<Integer>> dependencies) {
    int start = 0;
    while (pending[start] == 0) {
      start++;
    }
    // Every unordered node waits on an unordered dependency: walking back must revisit a node.
    List<Integer> path = new ArrayList<>();
    Map<Integer, Integer> seenAt = new HashMap<>();
    int at = start;
    while (!seenAt.containsKey(at)) {
      seenAt.put(at, path.size());
      path.add(at);
      for (int d : dependencies.get(at)) {
        if (pending[d] > 0) {
          at = d;
          break;
        }
      }
    }
    List<Integer> cycle = path.subList(seenAt.get(at), path.size());
    List<String> names = new ArrayList<>();
    for (int i = cycle.size() - 1; i >= 0; i--) {
      names.add(nodes.get(cycle.get(i)).describe());
    }
    names.add(names.get(0));
    return new InvalidGraphException(names.get(0), "is on a cycle: " + String.join(" -> ", names));
  }

  @Override
  public String toString() {
    return "Graph '" + name + "' (opset " + opset() + ", " + nodes.size() + " nodes, "
        + (initializers.size() + longInitializers.size()) + " initializers)";
  }
}
