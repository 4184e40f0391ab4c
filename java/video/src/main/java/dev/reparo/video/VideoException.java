package dev.reparo.video;

import dev.reparo.ReparoException;

/** A video file, stream or camera that cannot be opened, decoded or written; the message names it. Immutable. */
public final class VideoException extends ReparoException {
  private static final long serialVersionUID = 1L;

  public VideoException(String message) {
    super(message);
  }

  public VideoException(String message, Throwable cause) {
    super(message, cause);
  }
}
