package dev.reparo.cli;

import dev.reparo.ReparoException;

/** A usage or input problem the CLI reports as one line and exit code 1. */
final class CliException extends ReparoException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }
}
