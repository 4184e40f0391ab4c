package dev.reparo.passes;

import java.util.ArrayList;
import java.util.List;

/**
 * What one run of one pass did: sites rewritten and sites refused, each with the node it concerns
 * and, for refusals, why. Not thread-safe; one log per pass run.
 */
public final class PassLog {
  /** A site the pass looked at: the node that anchors the pattern and, if refused, the reason. */
  public record Site(String node, String reason) {}

  private final List<Site> rewritten = new ArrayList<>();
  private final List<Site> refused = new ArrayList<>();

  /** Records that the pattern anchored at {@code node} was rewritten. */
  public void rewrote(String node) {
    rewritten.add(new Site(node, ""));
  }

  /** Records that the pattern anchored at {@code node} matched but was left alone, and why. */
  public void refused(String node, String reason) {
    refused.add(new Site(node, reason));
  }

  public List<Site> rewritten() {
    return List.copyOf(rewritten);
  }

  public List<Site> refusedSites() {
    return List.copyOf(refused);
  }

  public boolean changedGraph() {
    return !rewritten.isEmpty();
  }
}
