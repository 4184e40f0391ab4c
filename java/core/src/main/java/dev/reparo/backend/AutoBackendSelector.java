package dev.reparo.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@link BackendKind#AUTO} and {@code threads(0)}: picks the fastest backend that can
 * run here for one model, and the fastest thread count, by a short timed probe (each candidate
 * backend loads the model with each candidate thread count, runs a few warm-up inferences on a zero
 * input, then a few timed ones; the lowest median wins), and remembers the choice in a small JSON
 * file keyed by the model's hash, this machine ({@link MachineFingerprint}), the requested thread
 * count and the candidate backends' versions, so later opens skip the probe. Every decision is
 * logged with its reason at INFO on the {@code dev.reparo.backend} {@link System.Logger}.
 *
 * <p>Thread counts are measured, not assumed: on a machine whose CPUs are shared (a 2-vCPU cloud
 * VM), a second inference thread may slow a small model down. A count is probed only up to the
 * CPUs this JVM may use (1, 2, 4, ... and that number), and more threads must beat fewer by
 * {@link #MORE_THREADS_MARGIN} to be chosen: a thread that buys nothing is a core taken from the
 * rest of the application.
 *
 * <p>Thread-safe: it holds no mutable state; concurrent selections of one model may both probe,
 * and the last to finish writes the (atomically replaced) choice file.
 */
public final class AutoBackendSelector {
  private static final System.Logger LOG = System.getLogger("dev.reparo.backend");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Input side used for probing models whose input size is dynamic and not given in the options. */
  static final int DEFAULT_PROBE_SIZE = 320;
  /** How much faster (5 %) more threads must be than fewer to be chosen. */
  static final double MORE_THREADS_MARGIN = 0.05;
  /** The most threads {@code threads(0)} probes. */
  static final int MAX_PROBED_THREADS = 16;

  private final List<Backend> candidates;
  private final Path choiceDir;
  private final MachineFingerprint machine;
  private final LongSupplier nanoClock;
  private final int warmupRuns;
  private final int timedRuns;

  /**
   * @param candidates backends to choose from, in order of preference on ties
   * @param choiceDir where choice files live (created on first write)
   * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
   */
  public AutoBackendSelector(List<Backend> candidates, Path choiceDir, MachineFingerprint machine,
      LongSupplier nanoClock, int warmupRuns, int timedRuns) {
    if (warmupRuns < 0 || timedRuns < 1) {
      throw new IllegalArgumentException("need warmupRuns >= 0 and timedRuns >= 1");
    }
    this.candidates = List.copyOf(candidates);
    this.choiceDir = choiceDir;
    this.machine = machine;
    this.nanoClock = nanoClock;
    this.warmupRuns = warmupRuns;
    this.timedRuns = timedRuns;
  }

  /** Every backend on the classpath, choices under {@code <cache>/auto-backend}, 3 + 10 probe runs. */
  public static AutoBackendSelector standard(Path cacheRoot) {
    return new AutoBackendSelector(Backends.all(), cacheRoot.resolve("auto-backend"), MachineFingerprint.current(),
        System::nanoTime, 3, 10);
  }

  /**
   * The chosen backend and thread count with the model loaded on them, and why.
   *
   * @param backend the chosen backend
   * @param threads the thread count the model was loaded with; 0 when the caller asked for 0 and
   *     nothing was probed (the backend's default)
   * @param loaded the model loaded on it; the caller owns and closes it
   * @param reason one line for logs and users
   * @param fromCache whether the choice was read from the choice file rather than probed
   * @param medianNanos each probed candidate's median latency, by {@code backend} or
   *     {@code backend/N threads} (empty when {@code fromCache})
   */
  public record Selection(Backend backend, int threads, LoadedModel loaded, String reason, boolean fromCache,
      Map<String, Long> medianNanos) {}

  /** One thing to probe: a backend with a thread count. */
  private record Candidate(Backend backend, int threads) {}

  /**
   * Chooses a backend for {@code model} among every candidate that is available, and a thread count
   * when {@code options.threads()} is 0.
   *
   * @throws ReparoException if no candidate can run the model here, with each one's reason
   */
  public Selection select(DeployedModel model, LoadOptions options) {
    return select(model, options, candidates);
  }

  /**
   * Chooses the thread count for {@code backend}, the backend the caller asked for, when {@code
   * options.threads()} is 0; otherwise loads the model with the requested count, without a probe.
   *
   * @throws ReparoException if the backend cannot run here, with its reason
   */
  public Selection selectThreads(Backend backend, DeployedModel model, LoadOptions options) {
    if (!backend.isAvailable()) {
      throw new ReparoException(name(backend) + " cannot run here: " + backend.unavailableReason());
    }
    return select(model, options, List.of(backend));
  }

  private Selection select(DeployedModel model, LoadOptions options, List<Backend> from) {
    List<Backend> usable = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Backend b : from) {
      if (b.kind() == BackendKind.AUTO) {
        continue;
      }
      if (b.isAvailable()) {
        usable.add(b);
      } else {
        refused.add(name(b) + ": " + b.unavailableReason());
      }
    }
    if (usable.isEmpty()) {
      throw new ReparoException("AUTO found no backend that can run here"
          + (refused.isEmpty() ? " (none on the classpath)" : ": " + String.join("; ", refused)));
    }
    String skipped = refused.isEmpty() ? "" : " (not available: " + String.join("; ", refused) + ")";
    List<Integer> threadCounts = threadCounts(options.threads(), machine.cpus());
    if (usable.size() == 1 && threadCounts.size() == 1) {
      Backend only = usable.get(0);
      String why = from.size() == 1 ? "requested" : name(only) + " is the only available backend";
      return log(new Selection(only, options.threads(), only.load(model, options), why + skipped, false, Map.of()));
    }
    Path file = choiceFile(model, options, usable);
    Selection cached = fromChoiceFile(file, usable, model, options, skipped);
    if (cached != null) {
      return log(cached);
    }
    List<Candidate> probed = new ArrayList<>();
    for (Backend b : usable) {
      for (int t : threadCounts) {
        probed.add(new Candidate(b, t));
      }
    }
    return log(probe(probed, threadCounts.size() > 1, model, options, file, skipped));
  }

  /** The thread counts to try: the one requested, or for 0, 1, 2, 4, ... up to {@code cpus}, and {@code cpus}. */
  static List<Integer> threadCounts(int requested, int cpus) {
    if (requested > 0) {
      return List.of(requested);
    }
    int most = Math.max(1, Math.min(cpus, MAX_PROBED_THREADS));
    List<Integer> counts = new ArrayList<>();
    for (int t = 1; t < most; t *= 2) {
      counts.add(t);
    }
    counts.add(most);
    return counts;
  }

  private Selection probe(List<Candidate> probed, boolean choosingThreads, DeployedModel model,
      LoadOptions options, Path file, String skipped) {
    Tensor input = Tensor.zeros(probeShape(model, options));
    Map<String, Long> medians = new LinkedHashMap<>();
    List<String> failed = new ArrayList<>();
    Candidate best = null;
    LoadedModel bestLoaded = null;
    long bestMedian = Long.MAX_VALUE;
    java.util.Set<Backend> broken = new java.util.HashSet<>();
    for (Candidate c : probed) {
      if (broken.contains(c.backend())) {
        continue; // one failure per backend is enough
      }
      LoadedModel loaded = null;
      try {
        loaded = c.backend().load(model, options.withThreads(c.threads()));
        long median = medianLatency(loaded, input);
        medians.put(label(c, choosingThreads), median);
        if (beats(c, median, best, bestMedian)) {
          if (bestLoaded != null) {
            bestLoaded.close();
          }
          best = c;
          bestLoaded = loaded;
          bestMedian = median;
          loaded = null;
        }
      } catch (RuntimeException e) {
        broken.add(c.backend());
        failed.add(name(c.backend()) + " failed on this model: " + e.getMessage());
      } finally {
        if (loaded != null) {
          loaded.close();
        }
      }
    }
    if (best == null) {
      throw new ReparoException((probed.stream().map(Candidate::backend).distinct().count() > 1 ? "AUTO: every available"
          + " backend failed on " : "the backend failed on ") + model.dir() + ": " + String.join("; ", failed));
    }
    String reason = label(best, choosingThreads) + " was fastest in a " + timedRuns + "-run probe on " + machine
        + (choosingThreads ? "" : " with " + options.threads() + " threads") + " (median " + formatMedians(medians)
        + ")" + (failed.isEmpty() ? "" : "; " + String.join("; ", failed)) + skipped;
    writeChoice(file, best, medians, reason);
    return new Selection(best.backend(), best.threads(), bestLoaded, reason, false, Map.copyOf(medians));
  }

  /**
   * Whether {@code c} with {@code median} should replace the best so far. Another backend wins by
   * being faster; more threads of the same backend must be faster by {@link #MORE_THREADS_MARGIN}.
   */
  private static boolean beats(Candidate c, long median, Candidate best, long bestMedian) {
    if (best == null) {
      return true;
    }
    if (c.threads() > best.threads()) {
      return median < bestMedian * (1 - MORE_THREADS_MARGIN);
    }
    return median < bestMedian;
  }

  private static String label(Candidate c, boolean withThreads) {
    return withThreads ? name(c.backend()) + "/" + c.threads() + (c.threads() == 1 ? " thread" : " threads")
        : name(c.backend());
  }

  private long medianLatency(LoadedModel loaded, Tensor input) {
    for (int i = 0; i < warmupRuns; i++) {
      loaded.run(input);
    }
    long[] times = new long[timedRuns];
    for (int i = 0; i < timedRuns; i++) {
      long t0 = nanoClock.getAsLong();
      loaded.run(input);
      times[i] = nanoClock.getAsLong() - t0;
    }
    Arrays.sort(times);
    return times[timedRuns / 2];
  }

  private static int[] probeShape(DeployedModel model, LoadOptions options) {
    long[] declared = model.inputShape();
    int[] shape = new int[declared.length];
    for (int i = 0; i < declared.length; i++) {
      shape[i] = declared[i] > 0 ? (int) declared[i]
          : i == 0 ? 1 : options.inputSize() > 0 ? options.inputSize() : DEFAULT_PROBE_SIZE;
    }
    return shape;
  }

  /** The choice file for this model, machine, thread count and set of candidate versions. */
  Path choiceFile(DeployedModel model, LoadOptions options, List<Backend> usable) {
    String modelKey = model.sourceSha256().isEmpty() ? "dir-" + Integer.toHexString(model.dir().toAbsolutePath()
        .hashCode()) : model.sourceSha256().substring(0, Math.min(16, model.sourceSha256().length()));
    List<String> versions = usable.stream().map(Backend::describe).sorted().toList();
    MachineFingerprint keyed = new MachineFingerprint(machine.os(), machine.arch(),
        machine.cpuModel() + "|" + versions + "|threads=" + (options.threads() == 0 ? "auto" : options.threads())
            + "|fp16=" + options.fp16(),
        machine.cpus());
    return choiceDir.resolve(modelKey + "-" + keyed.key() + ".json");
  }

  private Selection fromChoiceFile(Path file, List<Backend> usable, DeployedModel model, LoadOptions options,
      String skipped) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "AUTO: ignoring unreadable choice file " + file + ": " + e.getMessage());
      return null;
    }
    String kind = root.path("backend").asText("");
    int threads = root.path("threads").asInt(options.threads());
    if (threads < 0 || (options.threads() > 0 && threads != options.threads())) {
      return null;
    }
    for (Backend b : usable) {
      if (b.kind().name().equals(kind) && b.describe().equals(root.path("describe").asText())) {
        return new Selection(b, threads, b.load(model, options.withThreads(threads)),
            "cached choice " + file.getFileName() + ": " + root.path("reason").asText("") + skipped, true, Map.of());
      }
    }
    return null; // the chosen backend is gone or changed version: probe again
  }

  private static void writeChoice(Path file, Candidate best, Map<String, Long> medians, String reason) {
    ObjectNode root = JSON.createObjectNode();
    root.put("backend", best.backend().kind().name());
    root.put("describe", best.backend().describe());
    root.put("threads", best.threads());
    root.put("reason", reason);
    ObjectNode m = root.putObject("median_ns");
    medians.forEach(m::put);
    try {
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root)
          .getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "AUTO: could not remember the choice in " + file + ": " + e.getMessage());
    }
  }

  private static String formatMedians(Map<String, Long> medians) {
    List<String> parts = new ArrayList<>();
    medians.forEach((k, v) -> parts.add(k + " " + String.format(Locale.ROOT, "%.3f ms", v / 1e6)));
    return String.join(", ", parts);
  }

  private static String name(Backend b) {
    return b.kind().name().toLowerCase(Locale.ROOT);
  }

  private static Selection log(Selection s) {
    LOG.log(System.Logger.Level.INFO, "chose " + s.backend().describe() + (s.threads() > 0 ? " with " + s.threads()
        + (s.threads() == 1 ? " thread" : " threads") : "") + ": " + s.reason());
    return s;
  }
}
