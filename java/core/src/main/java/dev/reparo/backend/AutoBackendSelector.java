package dev.reparo.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.detect.DetectorOptions;
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
 * {@link DetectorOptions.Backend#AUTO}: picks the fastest backend that can run here for one model
 * by a short timed probe (each available backend loads the model, runs a few warm-up inferences on
 * a zero input, then a few timed ones; the lowest median wins), and remembers the choice in a small
 * JSON file keyed by the model's hash, this machine ({@link MachineFingerprint}), the thread count
 * and the candidate backends' versions, so later opens skip the probe. Every decision is logged
 * with its reason at INFO on the {@code dev.reparo.backend} {@link System.Logger}.
 *
 * <p>Thread-safe: it holds no mutable state; concurrent selections of one model may both probe,
 * and the last to finish writes the (atomically replaced) choice file.
 */
public final class AutoBackendSelector {
  private static final System.Logger LOG = System.getLogger("dev.reparo.backend");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Input side used for probing models whose input size is dynamic and not given in the options. */
  static final int DEFAULT_PROBE_SIZE = 320;

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
   * The chosen backend with the model loaded on it, and why.
   *
   * @param backend the chosen backend
   * @param loaded the model loaded on it; the caller owns and closes it
   * @param reason one line for logs and users
   * @param fromCache whether the choice was read from the choice file rather than probed
   * @param medianNanos each probed backend's median latency (empty when {@code fromCache})
   */
  public record Selection(Backend backend, LoadedModel loaded, String reason, boolean fromCache,
      Map<String, Long> medianNanos) {}

  /**
   * Chooses a backend for {@code model}.
   *
   * @throws ReparoException if no candidate can run the model here, with each one's reason
   */
  public Selection select(DeployedModel model, DetectorOptions options) {
    List<Backend> usable = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Backend b : candidates) {
      if (b.kind() == DetectorOptions.Backend.AUTO) {
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
    Path file = choiceFile(model, options, usable);
    Selection cached = fromChoiceFile(file, usable, model, options, skipped);
    if (cached != null) {
      return log(cached);
    }
    if (usable.size() == 1) {
      Backend only = usable.get(0);
      return log(new Selection(only, only.load(model, options), name(only) + " is the only available backend"
          + skipped, false, Map.of()));
    }
    return log(probe(usable, model, options, file, skipped));
  }

  private Selection probe(List<Backend> usable, DeployedModel model, DetectorOptions options, Path file,
      String skipped) {
    Tensor input = Tensor.zeros(probeShape(model, options));
    Map<String, Long> medians = new LinkedHashMap<>();
    List<String> failed = new ArrayList<>();
    Backend best = null;
    LoadedModel bestLoaded = null;
    long bestMedian = Long.MAX_VALUE;
    for (Backend b : usable) {
      LoadedModel loaded = null;
      try {
        loaded = b.load(model, options);
        long median = medianLatency(loaded, input);
        medians.put(name(b), median);
        if (median < bestMedian) {
          if (bestLoaded != null) {
            bestLoaded.close();
          }
          best = b;
          bestLoaded = loaded;
          bestMedian = median;
          loaded = null;
        }
      } catch (RuntimeException e) {
        failed.add(name(b) + " failed on this model: " + e.getMessage());
      } finally {
        if (loaded != null) {
          loaded.close();
        }
      }
    }
    if (best == null) {
      throw new ReparoException("AUTO: every available backend failed on " + model.dir() + ": "
          + String.join("; ", failed));
    }
    String reason = name(best) + " was fastest in a " + timedRuns + "-run probe on " + machine + " with "
        + options.threads() + " threads (median " + formatMedians(medians) + ")"
        + (failed.isEmpty() ? "" : "; " + String.join("; ", failed)) + skipped;
    writeChoice(file, best, medians, reason);
    return new Selection(best, bestLoaded, reason, false, Map.copyOf(medians));
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

  private static int[] probeShape(DeployedModel model, DetectorOptions options) {
    long[] declared = model.inputShape();
    int[] shape = new int[declared.length];
    for (int i = 0; i < declared.length; i++) {
      shape[i] = declared[i] > 0 ? (int) declared[i]
          : i == 0 ? 1 : options.inputSize() > 0 ? options.inputSize() : DEFAULT_PROBE_SIZE;
    }
    return shape;
  }

  /** The choice file for this model, machine, thread count and set of candidate versions. */
  Path choiceFile(DeployedModel model, DetectorOptions options, List<Backend> usable) {
    String modelKey = model.sourceSha256().isEmpty() ? "dir-" + Integer.toHexString(model.dir().toAbsolutePath()
        .hashCode()) : model.sourceSha256().substring(0, Math.min(16, model.sourceSha256().length()));
    List<String> versions = usable.stream().map(Backend::describe).sorted().toList();
    MachineFingerprint keyed = new MachineFingerprint(machine.os(), machine.arch(),
        machine.cpuModel() + "|" + versions + "|threads=" + options.threads() + "|fp16=" + options.fp16(),
        machine.cpus());
    return choiceDir.resolve(modelKey + "-" + keyed.key() + ".json");
  }

  private Selection fromChoiceFile(Path file, List<Backend> usable, DeployedModel model, DetectorOptions options,
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
    for (Backend b : usable) {
      if (b.kind().name().equals(kind) && b.describe().equals(root.path("describe").asText())) {
        return new Selection(b, b.load(model, options), "cached choice " + file.getFileName() + ": "
            + root.path("reason").asText("") + skipped, true, Map.of());
      }
    }
    return null; // the chosen backend is gone or changed version: probe again
  }

  private static void writeChoice(Path file, Backend best, Map<String, Long> medians, String reason) {
    ObjectNode root = JSON.createObjectNode();
    root.put("backend", best.kind().name());
    root.put("describe", best.describe());
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
    LOG.log(System.Logger.Level.INFO, "AUTO chose " + s.backend().describe() + ": " + s.reason());
    return s;
  }
}
