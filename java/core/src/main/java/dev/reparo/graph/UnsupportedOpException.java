package dev.reparo.graph;

import dev.reparo.ReparoException;
import java.util.List;

/**
 * A graph uses an operator Reparo cannot handle. The message names the node, its op type and the
 * operators Reparo supports.
 */
public class UnsupportedOpException extends ReparoException {
  private static final long serialVersionUID = 1L;

  private final String nodeName;
  private final String opType;
  private final String domain;

  public UnsupportedOpException(Node node, List<String> supportedOps) {
    this(null, node, supportedOps);
  }

  /** As {@link #UnsupportedOpException(Node, List)}, the message starting with {@code source} (a file). */
  public UnsupportedOpException(String source, Node node, List<String> supportedOps) {
    super((source == null ? "" : source + ": ") + node.describe() + ": unsupported operator "
        + (node.domain().isEmpty() ? "" : node.domain() + ":") + node.opType()
        + "; Reparo supports " + String.join(", ", supportedOps));
    this.nodeName = node.name();
    this.opType = node.opType();
    this.domain = node.domain();
  }

  /** The operator is known, but this use of it cannot be expressed in the target; says why. */
  public UnsupportedOpException(Node node, String target, String reason) {
    super(node.describe() + ": " + (node.domain().isEmpty() ? "" : node.domain() + ":")
        + node.opType() + " cannot be expressed in " + target + ": " + reason);
    this.nodeName = node.name();
    this.opType = node.opType();
    this.domain = node.domain();
  }

  public String nodeName() {
    return nodeName;
  }

  public String opType() {
    return opType;
  }

  public String domain() {
    return domain;
  }
}
