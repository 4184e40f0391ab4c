package dev.reparo.spark;

import dev.reparo.backend.BackendKind;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.image.ImageLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Not a test: the per-image cost of {@link ReparoSpark#detect} against a plain loop over
 * {@link Detector#detect} in the same warmed-up JVM (what {@code reparo detect} does), so Spark's
 * own overhead shows without JVM and Spark start-up. Run by {@code benchmarks/spark-overhead.sh}.
 * Arguments: image directory, backend, rounds, then Spark masters (e.g. {@code local[1] local[2]}).
 */
public final class SparkOverheadBenchmark {
  private SparkOverheadBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    DetectorOptions options = SparkFixtures.options().toBuilder()
        .backend(BackendKind.valueOf(args[1].toUpperCase(java.util.Locale.ROOT))).build();
    int rounds = Integer.parseInt(args[2]);
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
    }
    double direct = Double.MAX_VALUE;
    try (Detector d = Detector.open(SparkFixtures.MODEL, options)) {
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        for (Path p : files) {
          d.detect(ImageLoader.read(p));
        }
        direct = Math.min(direct, (System.nanoTime() - t0) / 1e6 / files.size());
      }
    }
    System.out.printf("| plain loop, 1 thread (as `reparo detect`) | %.1f | %.1f | 1.00 |%n", direct, 1000 / direct);
    for (int m = 3; m < args.length; m++) {
      SparkSession spark = SparkSession.builder().master(args[m]).config("spark.ui.enabled", "false").getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
      Dataset<Row> images = spark.read().format("binaryFile").load(dir.toUri().toString());
      double best = Double.MAX_VALUE;
      for (int r = 0; r < rounds + 1; r++) { // one more: the first opens the executor's detector
        long t0 = System.nanoTime();
        ReparoSpark.detect(images, SparkFixtures.MODEL, options).write().format("noop").mode("overwrite").save();
        double ms = (System.nanoTime() - t0) / 1e6 / files.size();
        if (r > 0) {
          best = Math.min(best, ms);
        }
      }
      spark.stop();
      System.out.printf("| `ReparoSpark.detect` on %s | %.1f | %.1f | %.2f |%n", args[m], best, 1000 / best, best / direct);
    }
  }
}
