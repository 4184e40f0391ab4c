package dev.reparo.graph;

import dev.reparo.ReparoException;

/**
 * A graph is inconsistent: a value read but never produced, produced twice, a cycle, a node with the
 * wrong number of inputs, shapes that do not fit. The message starts with the node at fault.
 */
public class InvalidGraphException extends ReparoException {
  private static final long serialVersionUID = 1L;

  private final String where;

  /**
   * @param where the node at fault as {@link Node#describe()} gives it, or a phrase such as
   *     "graph output 'y'"
   */
  public InvalidGraphException(String where, String message) {
    super(where + ": " + message);
    this.where = where;
  }

  public InvalidGraphException(Node node, String message) {
    this(node.describe(), message);
  }

  /** The node (or graph part) at fault, as named at the start of the message. */
  public String where() {
    return where;
  }
}
