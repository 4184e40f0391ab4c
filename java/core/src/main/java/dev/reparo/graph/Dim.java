package dev.reparo.graph;

/**
 * One dimension of a {@link Shape}: a known size, a named symbol ({@code batch}) or unknown.
 *
 * <p>{@code value} is the size when known and -1 otherwise; {@code param} is the symbol's name or
 * null. Two dims with the same symbol are equal in size. Immutable and thread-safe.
 */
public record Dim(long value, String param) {
  private static final Dim UNKNOWN = new Dim(-1, null);

  public Dim {
    if (value < -1 || (value >= 0 && param != null) || (param != null && param.isEmpty())) {
      throw new IllegalArgumentException("bad dim: value " + value + ", param " + param);
    }
  }

  public static Dim of(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("negative dimension " + value);
    }
    return new Dim(value, null);
  }

  public static Dim symbolic(String param) {
    return new Dim(-1, param);
  }

  public static Dim unknown() {
    return UNKNOWN;
  }

  public boolean isKnown() {
    return value >= 0;
  }

  public boolean isSymbolic() {
    return param != null;
  }

  @Override
  public String toString() {
    return isKnown() ? Long.toString(value) : param != null ? param : "?";
  }
}
