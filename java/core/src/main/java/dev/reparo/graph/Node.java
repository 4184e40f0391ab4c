package dev.reparo.graph;

import dev.reparo.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One operator application: op type, optional name, the names of the values it reads and writes,
 * and its attributes. An empty input name stands for an omitted optional input, as in ONNX.
 *
 * <p>Immutable and thread-safe; passes rewrite a graph by replacing nodes with modified copies
 * ({@link #withInputs}, {@link #withAttribute}...). Equality is structural.
 */
public final class Node {
  private final String name;
  private final String opType;
  private final String domain;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, Attribute> attributes;

  public Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
      Collection<Attribute> attributes) {
    this.name = Objects.requireNonNull(name, "name");
    this.opType = Objects.requireNonNull(opType, "opType");
    this.domain = Objects.requireNonNull(domain, "domain");
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    Map<String, Attribute> map = new LinkedHashMap<>();
    for (Attribute a : attributes) {
      if (map.put(a.name(), a) != null) {
        throw new InvalidGraphException(describe(), "attribute '" + a.name() + "' given twice");
      }
    }
    this.attributes = Collections.unmodifiableMap(map);
  }

  public static Builder builder(String opType) {
    return new Builder(opType);
  }

  /** The node's name; may be empty. */
  public String name() {
    return name;
  }

  public String opType() {
    return opType;
  }

  /** The operator set domain; empty for standard ONNX. */
  public String domain() {
    return domain;
  }

  public List<String> inputs() {
    return inputs;
  }

  public List<String> outputs() {
    return outputs;
  }

  /** The name of input {@code i}, or "" when it is omitted or past the end. */
  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }

  /** True when input {@code i} is given (present and not empty). */
  public boolean hasInput(int i) {
    return !input(i).isEmpty();
  }

  public String output(int i) {
    return i < outputs.size() ? outputs.get(i) : "";
  }

  public Map<String, Attribute> attributes() {
    return attributes;
  }

  /** The attribute of that name, or null. */
  public Attribute attribute(String attrName) {
    return attributes.get(attrName);
  }

  public boolean hasAttribute(String attrName) {
    return attributes.containsKey(attrName);
  }

  /** @throws InvalidGraphException naming this node if the attribute has another type */
  public long attrInt(String attrName, long defaultValue) {
    Attribute a = typed(attrName, Attribute.Type.INT);
    return a == null ? defaultValue : a.asInt();
  }

  /** @throws InvalidGraphException naming this node if the attribute has another type */
  public float attrFloat(String attrName, float defaultValue) {
    Attribute a = typed(attrName, Attribute.Type.FLOAT);
    return a == null ? defaultValue : a.asFloat();
  }

  /** @throws InvalidGraphException naming this node if the attribute has another type */
  public String attrString(String attrName, String defaultValue) {
    Attribute a = typed(attrName, Attribute.Type.STRING);
    return a == null ? defaultValue : a.asString();
  }

  /** The INTS attribute's values, or null when absent. */
  public long[] attrInts(String attrName) {
    Attribute a = typed(attrName, Attribute.Type.INTS);
    return a == null ? null : a.asInts();
  }

  /** The FLOATS attribute's values, or null when absent. */
  public float[] attrFloats(String attrName) {
    Attribute a = typed(attrName, Attribute.Type.FLOATS);
    return a == null ? null : a.asFloats();
  }

  private Attribute typed(String attrName, Attribute.Type type) {
    Attribute a = attributes.get(attrName);
    if (a != null && a.type() != type) {
      throw new InvalidGraphException(describe(),
          "attribute '" + attrName + "' is " + a.type() + ", expected " + type);
    }
    return a;
  }

  public Node withName(String newName) {
    return new Node(newName, opType, domain, inputs, outputs, attributes.values());
  }

  public Node withInputs(List<String> newInputs) {
    return new Node(name, opType, domain, newInputs, outputs, attributes.values());
  }

  public Node withOutputs(List<String> newOutputs) {
    return new Node(name, opType, domain, inputs, newOutputs, attributes.values());
  }

  /** A copy with {@code a} added or replacing the attribute of the same name. */
  public Node withAttribute(Attribute a) {
    Map<String, Attribute> map = new LinkedHashMap<>(attributes);
    map.put(a.name(), a);
    return new Node(name, opType, domain, inputs, outputs, map.values());
  }

  public Node withoutAttribute(String attrName) {
    Map<String, Attribute> map = new LinkedHashMap<>(attributes);
    map.remove(attrName);
    return new Node(name, opType, domain, inputs, outputs, map.values());
  }

  /** How error messages name this node: {@code node 'conv1' (Conv)}. */
  public String describe() {
    if (!name.isEmpty()) {
      return "node '" + name + "' (" + opType + ")";
    }
    return "unnamed " + opType + " node" + (outputs.isEmpty() ? "" : " producing '" + outputs.get(0) + "'");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Node n && name.equals(n.name) && opType.equals(n.opType)
        && domain.equals(n.domain) && inputs.equals(n.inputs) && outputs.equals(n.outputs)
        && attributes.equals(n.attributes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, opType, domain, inputs, outputs, attributes);
  }

  @Override
  public String toString() {
    return opType + " '" + name + "' " + inputs + " -> " + outputs
        + (attributes.isEmpty() ? "" : " " + attributes.values());
  }

  /** Builds a {@link Node}; not thread-safe. */
  public static final class Builder {
    private final String opType;
    private String name = "";
    private String domain = "";
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final List<Attribute> attributes = new ArrayList<>();

    private Builder(String opType) {
      this.opType = opType;
    }

    public Builder name(String n) {
      this.name = n;
      return this;
    }

    public Builder domain(String d) {
      this.domain = d;
      return this;
    }

    public Builder inputs(String... names) {
      inputs.addAll(Arrays.asList(names));
      return this;
    }

    public Builder outputs(String... names) {
      outputs.addAll(Arrays.asList(names));
      return this;
    }

    public Builder attr(Attribute a) {
      attributes.add(a);
      return this;
    }

    public Builder intAttr(String n, long v) {
      return attr(Attribute.of(n, v));
    }

    public Builder floatAttr(String n, float v) {
      return attr(Attribute.of(n, v));
    }

    public Builder stringAttr(String n, String v) {
      return attr(Attribute.of(n, v));
    }

    public Builder intsAttr(String n, long... v) {
      return attr(Attribute.ints(n, v));
    }

    public Builder floatsAttr(String n, float... v) {
      return attr(Attribute.floats(n, v));
    }

    public Builder tensorAttr(String n, Tensor v) {
      return attr(Attribute.of(n, v));
    }

    public Builder tensorAttr(String n, LongTensor v) {
      return attr(Attribute.of(n, v));
    }

    public Node build() {
      return new Node(name, opType, domain, inputs, outputs, attributes);
    }
  }
}
