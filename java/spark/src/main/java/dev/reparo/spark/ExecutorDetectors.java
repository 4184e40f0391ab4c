package dev.reparo.spark;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The detectors of this JVM (an executor, or the driver in local mode): one per
 * {@link DetectorSettings#forLoading()} (thresholds are passed per call), opened on first use and shared by every task, since {@link Detector}
 * is thread-safe. They are closed at JVM shutdown, but only once no detection is in flight (a
 * detection still running then keeps its detector open; the process exit frees it). Thread-safe.
 */
final class ExecutorDetectors {
  private static final Map<DetectorSettings, Detector> OPEN = new ConcurrentHashMap<>();
  /** Detections hold the read lock; closing takes the write lock. */
  private static final ReentrantReadWriteLock IN_FLIGHT = new ReentrantReadWriteLock();
  private static volatile boolean closing;
  /** Spark's own logging (SLF4J), so that these lines land in the driver's and executors' logs. */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("dev.reparo.spark");

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorDetectors::closeAll, "reparo-detectors-close"));
  }

  private ExecutorDetectors() {}

  /** Detects in {@code image} with this JVM's detector for {@code settings}, opening it if needed. */
  static List<Detection> detect(DetectorSettings settings, BufferedImage image) {
    IN_FLIGHT.readLock().lock();
    try {
      if (closing) {
        throw new IllegalStateException("the JVM is shutting down; detectors are closed");
      }
      Detector d = OPEN.computeIfAbsent(settings.forLoading(), ExecutorDetectors::open);
      return d.detect(image, settings.params());
    } finally {
      IN_FLIGHT.readLock().unlock();
    }
  }

  private static Detector open(DetectorSettings s) {
    long t0 = System.nanoTime();
    java.nio.file.Path model = s.model().localPath();
    Detector d = Detector.open(model, s.toOptions());
    LOG.info(String.format("opened %s (%s) in %.0f ms%s", model, s.model(),
        (System.nanoTime() - t0) / 1e6, model.toString().endsWith(".onnx")
            ? ", converting it here unless this host's conversion cache had it" : ""));
    return d;
  }

  /** Number of detectors open in this JVM. */
  static int openCount() {
    return OPEN.size();
  }

  private static void closeAll() {
    try {
      if (!IN_FLIGHT.writeLock().tryLock(5, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      closing = true;
      OPEN.values().forEach(Detector::close);
      OPEN.clear();
    } finally {
      IN_FLIGHT.writeLock().unlock();
    }
  }
}
