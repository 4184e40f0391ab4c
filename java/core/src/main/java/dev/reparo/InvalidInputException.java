package dev.reparo;

/** Data handed to a model does not fit it: unknown tensor name, wrong shape, wrong size. */
public class InvalidInputException extends ReparoException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
