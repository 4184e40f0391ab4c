package dev.reparo;

/**
 * Data handed to Reparo does not fit: an unknown tensor name, a wrong shape or size, an image that
 * cannot be decoded.
 */
public class InvalidInputException extends ReparoException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
