package dev.reparo;

/** A model file is missing, unreadable, truncated, corrupt or of a form Reparo does not support. */
public class ModelFormatException extends ReparoException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
