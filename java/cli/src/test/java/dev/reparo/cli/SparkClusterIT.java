package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spark-detect, ReparoSpark.detect and ReparoDetector on a real Spark standalone cluster (a master
 * and two workers of one core, each its own JVM on 127.0.0.1), with the model shipped as .onnx,
 * shipped converted and read from a shared path, against `reparo detect`'s detector run here; and a
 * job that loses an executor JVM in the middle. Runs after packaging (the executors get the CLI jar),
 * in Maven's integration-test phase; {@link ClusterScenarios} is the driver.
 */
class SparkClusterIT {
  static final Duration CLUSTER_START = Duration.ofSeconds(90);
  static final Duration DRIVER_RUN = Duration.ofSeconds(240);
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path dir;
  static Path out;
  /** reparo detect's detections per image file name. */
  static Map<String, List<Detection>> expected;

  @BeforeAll
  static void runScenariosOnACluster() throws Exception {
    Demo.Bundle demo = Demo.prepare(dir.resolve("demo"));
    Path images = demo.images().get(0).getParent();
    Path converted = new ConversionCache(dir.resolve("driver-cache")).deploy(demo.model()).dir();
    expected = new TreeMap<>();
    try (Detector d = Detector.open(demo.model(), DetectorOptions.builder().threads(1).build())) {
      for (Path img : demo.images()) {
        expected.put(img.getFileName().toString(), d.detect(img));
      }
    }
    assertTrue(expected.values().stream().mapToInt(List::size).sum() > 0, "the demo images have detections");

    String sparkClasspath = Files.readString(Path.of(System.getProperty("reparo.sparkClasspath"))).trim();
    String jvmFlags = Files.readString(Path.of(System.getProperty("reparo.sparkJvmFlags"))).trim();
    out = Files.createDirectories(dir.resolve("out"));
    long t0 = System.nanoTime();
    try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), sparkClasspath, jvmFlags, 2,
        "768m", CLUSTER_START)) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of(jvmFlags.split("\\s+")));
      cmd.addAll(List.of("-Xmx768m", "-Dlog4j2.configurationFile=" + System.getProperty("reparo.sparkLog4j"),
          "-Dreparo.cache=" + dir.resolve("driver-cache"), ClusterScenarios.class.getName(), cluster.masterUrl(),
          images.toString(), demo.model().toString(), converted.toString(), out.toString(),
          System.getProperty("reparo.testJar")));
      Path log = dir.resolve("driver.log");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      // As the reparo launcher does: Spark's jars before the CLI jar, in CLASSPATH (not on the command line).
      pb.environment().put("CLASSPATH", sparkClasspath + ":" + System.getProperty("reparo.cliJar") + ":"
          + Path.of(SparkClusterIT.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      Process driver = pb.start();
      try {
        if (!driver.waitFor(DRIVER_RUN.toSeconds(), TimeUnit.SECONDS)) {
          fail("the cluster scenarios took longer than " + DRIVER_RUN + "; driver log:\n" + tail(log));
        }
        assertEquals(0, driver.exitValue(), "driver log:\n" + tail(log));
        String driverLog = Files.readString(log);
        assertTrue(driverLog.contains("converted " + demo.model() + " on the driver"), "the log says where the .onnx"
            + " was converted:\n" + tail(log));
      } finally {
        driver.descendants().forEach(ProcessHandle::destroyForcibly);
        driver.destroyForcibly();
      }
    }
    System.out.printf("SparkClusterIT: cluster up, scenarios run and cluster down in %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
  }

  @AfterAll
  static void noClusterJvmLeft() throws Exception {
    // StandaloneCluster.close() ran at the end of the setup; nothing it started may survive it long.
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      p.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void sparkDetectOnTheClusterFindsWhatReparoDetectFinds() throws IOException {
    for (String model : List.of("onnx", "converted", "shared")) {
      assertSameDetections("cli-" + model, flatRows(out.resolve("cli-" + model)));
    }
  }

  @Test
  void reparoSparkDetectOnTheClusterFindsWhatReparoDetectFinds() throws IOException {
    for (String model : List.of("onnx", "converted", "shared")) {
      assertSameDetections("api-" + model, flatRows(out.resolve("api-" + model)));
    }
  }

  @Test
  void reparoDetectorOnTheClusterFindsWhatReparoDetectFinds() throws IOException {
    for (String model : List.of("onnx", "converted", "shared")) {
      Map<String, List<Detection>> got = new TreeMap<>();
      for (JsonNode row : jsonLines(out.resolve("transformer-" + model))) {
        String name = fileName(row.get("path").asText());
        assertTrue(row.get("length").asLong() > 0, "the input column 'length' is kept");
        List<Detection> dets = new ArrayList<>();
        for (JsonNode d : row.get("detections")) {
          dets.add(detection(d));
        }
        assertEquals(null, got.put(name, dets), "one row per image: " + name);
      }
      assertSameDetections("transformer-" + model, got);
    }
  }

  @Test
  void aJobThatLosesAnExecutorJvmHasNoMissingAndNoDuplicatedRows() throws IOException {
    assertTrue(Files.exists(out.resolve("executor-killed")), "an executor JVM was halted in the middle of a task");
    int failed = Integer.parseInt(Files.readString(out.resolve("failed-tasks.txt")).trim());
    assertTrue(failed >= 1, "the task on the lost executor failed and was retried: " + failed);
    System.out.println("SparkClusterIT: " + failed + " task attempt(s) failed with the halted executor");
    assertSameDetections("killed", flatRows(out.resolve("killed")));
  }

  /** Flat rows (ReparoSpark.detect's table) by image file name, with their row counts checked. */
  static Map<String, List<Detection>> flatRows(Path json) throws IOException {
    Map<String, List<JsonNode>> byImage = new TreeMap<>();
    for (JsonNode row : jsonLines(json)) {
      byImage.computeIfAbsent(fileName(row.get("path").asText()), k -> new ArrayList<>()).add(row);
    }
    Map<String, List<Detection>> got = new TreeMap<>();
    byImage.forEach((name, rows) -> {
      int n = rows.get(0).get("detections").asInt();
      assertEquals(Math.max(1, n), rows.size(), "rows of " + name + " in " + json);
      List<Detection> dets = new ArrayList<>();
      for (JsonNode r : rows) {
        if (n > 0) {
          assertEquals("detected", r.get("status").asText());
          dets.add(detection(r));
        } else {
          assertEquals("none", r.get("status").asText(), name);
        }
      }
      assertEquals(n, dets.stream().map(d -> d.score() + "/" + d.x1()).distinct().count(), "duplicates in " + name);
      got.put(name, dets);
    });
    return got;
  }

  static Detection detection(JsonNode d) {
    float x = (float) d.get("x").asDouble();
    float y = (float) d.get("y").asDouble();
    return new Detection(x, y, x + (float) d.get("w").asDouble(), y + (float) d.get("h").asDouble(),
        (float) d.get("score").asDouble(), d.get("class_id").asInt(), d.path("label").asText(null));
  }

  /**
   * Every image has the detections reparo detect found, matched one to one by class, IoU of at
   * least 0.95 and a score within 1e-3 (not by position in the list).
   */
  static void assertSameDetections(String what, Map<String, List<Detection>> got) {
    assertEquals(expected.keySet(), got.keySet(), what + ": images");
    expected.forEach((name, want) -> {
      List<Detection> have = new ArrayList<>(got.get(name));
      assertEquals(want.size(), have.size(), what + ": detections in " + name);
      for (Detection w : want) {
        Detection match = have.stream().filter(h -> h.classId() == w.classId() && h.iou(w) >= 0.95f
            && Math.abs(h.score() - w.score()) <= 1e-3f).findFirst().orElse(null);
        assertNotNull(match, what + ": " + name + " has no match for " + w + " in " + have);
        have.remove(match);
      }
    });
  }

  static List<JsonNode> jsonLines(Path dir) throws IOException {
    assertTrue(Files.exists(dir.resolve("_SUCCESS")), dir + " was written completely");
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> parts = Files.list(dir)) {
      for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
        for (String line : Files.readAllLines(p)) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    return rows;
  }

  static String fileName(String sparkPath) {
    return Path.of(URI.create(sparkPath)).getFileName().toString();
  }

  static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
  }
}
