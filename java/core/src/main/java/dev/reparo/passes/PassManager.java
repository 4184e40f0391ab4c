package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs an ordered list of passes over a graph, round after round, until a whole round changes
 * nothing, and validates the graph after every pass so a broken rewrite is caught at the pass that
 * made it. Order matters: a pass sees the output of every pass before it in the same round (for
 * example, RepVGG re-parameterization must run before Conv+BN fusion).
 *
 * <p>Immutable and safe to share between threads; each {@link #run} works on the caller's graph.
 */
public final class PassManager {
  /** Rounds after which a pipeline that still changes the graph is considered not to converge. */
  public static final int MAX_ROUNDS = 16;

  private final List<GraphPass> passes;

  public PassManager(List<GraphPass> passes) {
    this.passes = List.copyOf(passes);
    if (this.passes.isEmpty()) {
      throw new IllegalArgumentException("a pass pipeline needs at least one pass");
    }
  }

  public List<GraphPass> passes() {
    return passes;
  }

  /**
   * Runs the pipeline on {@code graph} to a fixed point.
   *
   * @throws IllegalStateException if the graph still changes after {@link #MAX_ROUNDS} rounds, or
   *     if a pass leaves the graph invalid (the message names the pass; the cause says what broke)
   */
  public Report run(Graph graph) {
    Objects.requireNonNull(graph, "graph");
    Map<String, Totals> totals = new LinkedHashMap<>();
    for (GraphPass p : passes) {
      totals.put(p.name(), new Totals());
    }
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      boolean changed = false;
      for (GraphPass pass : passes) {
        PassLog log = new PassLog();
        pass.run(graph, log);
        try {
          GraphValidator.validate(graph);
        } catch (RuntimeException e) {
          throw new IllegalStateException("pass '" + pass.name() + "' left an invalid graph: " + e.getMessage(), e);
        }
        Totals t = totals.get(pass.name());
        t.rewritten += log.rewritten().size();
        for (PassLog.Site s : log.refusedSites()) {
          t.refused.add(s.node() + ": " + s.reason());
        }
        changed |= log.changedGraph();
      }
      if (!changed) {
        List<PassSummary> summaries = new ArrayList<>();
        totals.forEach((name, t) -> summaries.add(new PassSummary(name, t.rewritten, List.copyOf(t.refused))));
        return new Report(round, summaries);
      }
    }
    throw new IllegalStateException("pass pipeline did not reach a fixed point in " + MAX_ROUNDS + " rounds");
  }

  /** Per pass, over all rounds: sites rewritten, and the distinct refusals ("node: reason"). */
  public record PassSummary(String pass, int rewritten, List<String> refused) {}

  /** The outcome of a run: how many rounds it took and what each pass did. */
  public record Report(int rounds, List<PassSummary> passes) {
    /** A plain-text table, one line per pass, refusals indented below it. */
    public String format() {
      StringBuilder sb = new StringBuilder();
      for (PassSummary s : passes) {
        sb.append(String.format("%-28s rewrote %4d, refused %3d%n", s.pass(), s.rewritten(), s.refused().size()));
        for (String r : s.refused()) {
          sb.append("    refused ").append(r).append('\n');
        }
      }
      return sb.toString();
    }
  }

  private static final class Totals {
    int rewritten;
    final Set<String> refused = new LinkedHashSet<>();
  }
}
