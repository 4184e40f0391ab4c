package dev.reparo.passes;

/**
 * Thrown inside a pass when a site matches the pattern but may not be rewritten; the message is the
 * reason the pass records with {@link PassLog#refused}. Never escapes a pass.
 */
final class PatternRefused extends Exception {
  private static final long serialVersionUID = 1L;

  PatternRefused(String reason) {
    super(reason, null, false, false);
  }
}
