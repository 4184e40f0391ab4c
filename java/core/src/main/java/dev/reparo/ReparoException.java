package dev.reparo;

/**
 * Base of every error Reparo reports on purpose: bad models, bad inputs, failed native calls.
 * Messages name the file, node or tensor at fault so that they can be shown to users as they are.
 */
public class ReparoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReparoException(String message) {
    super(message);
  }

  public ReparoException(String message, Throwable cause) {
    super(message, cause);
  }
}
