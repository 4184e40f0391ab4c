package dev.reparo.passes;

/**
 * What a {@link RewriteRule} found at an anchor: nothing, a site it will rewrite, or a site it
 * refuses with the reason. {@code node} names the site in the pass log.
 */
public record Match<S>(String node, S site, String refusal) {
  private static final Match<?> NONE = new Match<>(null, null, null);

  /** The pattern is not there. */
  @SuppressWarnings("unchecked")
  public static <S> Match<S> none() {
    return (Match<S>) NONE;
  }

  /** The pattern is there and may be rewritten. */
  public static <S> Match<S> at(String node, S site) {
    return new Match<>(node, site, null);
  }

  /** The pattern is there but may not be rewritten, for {@code reason}. */
  public static <S> Match<S> refused(String node, String reason) {
    return new Match<>(node, null, reason);
  }

  public boolean found() {
    return node != null;
  }

  public boolean isRefused() {
    return refusal != null;
  }
}
