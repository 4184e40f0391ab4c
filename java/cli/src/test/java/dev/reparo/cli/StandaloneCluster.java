package dev.reparo.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on this machine for tests: one master and {@code n} workers, each its
 * own JVM started from the Spark jars the build resolved (java/spark/target/spark-classpath.txt,
 * linked into a private {@code SPARK_HOME/jars}), everything bound to 127.0.0.1. Each worker gets its
 * own {@code REPARO_CACHE}, as separate hosts would have. {@link #close()} (and, should the test JVM
 * die first, a shutdown hook) kills every JVM it started, executors included. Not thread-safe: one
 * test class drives it.
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final String HOST = "127.0.0.1";
  private final Path home;
  private final List<Process> processes = new ArrayList<>();
  private final Thread hook = new Thread(this::killAll, "standalone-cluster-teardown");
  private final String masterUrl;
  private final List<Process> workers = new ArrayList<>();

  private StandaloneCluster(Path home, String masterUrl) {
    this.home = home;
    this.masterUrl = masterUrl;
  }

  /**
   * Starts a master and {@code workers} workers of one core and {@code workerMemory} each under
   * {@code dir}; waits at most {@code timeout} for all of them to be up.
   *
   * @param sparkClasspath the jars of Spark, ':'-separated
   * @param jvmFlags the flags Spark needs on Java 17
   */
  public static StandaloneCluster start(Path dir, String sparkClasspath, String jvmFlags, int workers,
      String workerMemory, Duration timeout) throws IOException, InterruptedException {
    Path jars = Files.createDirectories(dir.resolve("spark-home").resolve("jars"));
    for (String jar : sparkClasspath.trim().split(":")) {
      Path link = jars.resolve(Path.of(jar).getFileName());
      if (!Files.exists(link)) {
        Files.createSymbolicLink(link, Path.of(jar));
      }
    }
    int port = freePort();
    StandaloneCluster c = new StandaloneCluster(dir.resolve("spark-home"), "spark://" + HOST + ":" + port);
    Runtime.getRuntime().addShutdownHook(c.hook);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      Path masterLog = dir.resolve("master.log");
      c.launch(jvmFlags, "org.apache.spark.deploy.master.Master", Map.of(), masterLog,
          "--host", HOST, "--port", Integer.toString(port), "--webui-port", "0");
      awaitLine(masterLog, "I have been elected leader", deadline);
      for (int i = 0; i < workers; i++) {
        Path work = Files.createDirectories(dir.resolve("worker" + i));
        Path log = dir.resolve("worker" + i + ".log");
        c.workers.add(c.launch(jvmFlags, "org.apache.spark.deploy.worker.Worker",
            Map.of("REPARO_CACHE", dir.resolve("cache" + i).toString()), log,
            "--host", HOST, "--cores", "1", "--memory", workerMemory, "--webui-port", "0",
            "--work-dir", work.toString(), c.masterUrl));
      }
      for (int i = 0; i < workers; i++) {
        awaitLine(dir.resolve("worker" + i + ".log"), "Successfully registered with master", deadline);
      }
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public String masterUrl() {
    return masterUrl;
  }

  /** The executor JVMs running now (children of the workers). */
  public List<ProcessHandle> executors() {
    return workers.stream().flatMap(Process::descendants)
        .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).toList();
  }

  private Process launch(String jvmFlags, String mainClass, Map<String, String> env, Path log, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(jvmFlags.trim().split("\\s+")));
    cmd.addAll(List.of("-Xmx256m", "-Dspark.master.rest.enabled=false", "-Dspark.ui.showConsoleProgress=false",
        "-cp", home.resolve("jars") + "/*", mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_LOCAL_IP", HOST);
    pb.environment().put("SPARK_SCALA_VERSION", "2.13"); // the worker's executor launcher needs it
    pb.environment().remove("SPARK_CONF_DIR");
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private static void awaitLine(Path log, String text, long deadline) throws IOException, InterruptedException {
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the Spark cluster did not start in time: no '" + text + "' in " + log
        + (Files.exists(log) ? ":\n" + Files.readString(log) : " (no log)"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
  }

  private void killAll() {
    for (int i = processes.size() - 1; i >= 0; i--) { // workers (and their executors) before the master
      Process p = processes.get(i);
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Kills the workers, their executors and the master, waits for them to exit, and removes the jar links. */
  @Override
  public void close() {
    killAll();
    try (var links = Files.list(home.resolve("jars"))) {
      for (Path link : links.toList()) {
        Files.deleteIfExists(link);
      }
    } catch (IOException e) {
      // the links are in the caller's directory; it removes them with it
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs
    }
  }
}
