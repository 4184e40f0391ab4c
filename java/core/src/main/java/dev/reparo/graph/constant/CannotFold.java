package dev.reparo.graph.constant;

/**
 * Why a computation on constants was not done: an operator or type the kernels do not handle, a
 * result that would not be faithful (integer division by zero), or one too large to be worth it.
 */
public final class CannotFold extends Exception {
  private static final long serialVersionUID = 1L;

  public CannotFold(String reason) {
    super(reason, null, false, false);
  }
}
