package dev.reparo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Progress;
import dev.reparo.ReparoException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-detect run: Parquet out by one rename, counts from the written rows, clear errors. */
class SparkDetectJobTest {
  static SparkDetectJob.Request request(Path source, Path out, boolean overwrite) {
    return new SparkDetectJob.Request("local[2]", source.toString(), SparkFixtures.MODEL, false, out.toString(), 3, overwrite,
        SparkFixtures.options(), Map.of("spark.driver.host", "127.0.0.1"));
  }

  @Test
  void writesParquetAtomicallyAndCountsWhatItWrote(@TempDir Path dir) throws Exception {
    Path images = SparkFixtures.images(dir, 20, true);
    Path out = dir.resolve("results").resolve("dets.parquet");
    AtomicLong lastDone = new AtomicLong(-1);
    AtomicLong lastTotal = new AtomicLong(-1);
    SparkDetectJob.Summary s = SparkDetectJob.run(request(images, out, false), (phase, done, total) -> {
      lastTotal.set(total);
      lastDone.set(done);
    });
    assertEquals(22, lastTotal.get(), "progress knew the total");
    assertEquals(22, lastDone.get(), "progress reached every image");
    assertEquals(22, s.images());
    assertEquals(2, s.errors());
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    try (Stream<Path> siblings = Files.list(out.getParent())) {
      assertEquals(List.of(out), siblings.toList(), "no temporary directory left");
    }
    // The summary counts what was written: re-read the rows and count them here.
    org.apache.spark.sql.SparkSession spark = SparkFixtures.session();
    try {
      List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
      assertEquals(s.detections() + s.withoutDetections() + s.errors(), rows.size());
      assertEquals(s.detections(), rows.stream().filter(r -> r.getAs("status").equals(DetectionRows.DETECTED)).count());
    } finally {
      spark.stop();
    }

    InvalidInputException exists = assertThrows(InvalidInputException.class,
        () -> SparkDetectJob.run(request(images, out, false), Progress.NONE));
    assertTrue(exists.getMessage().contains("exists; remove it or pass --overwrite"), exists.getMessage());
  }

  @Test
  void missingModelAndEmptySourceAreExplained(@TempDir Path dir) throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "not an image");
    SparkDetectJob.Request noModel = new SparkDetectJob.Request("local[1]", empty.toString(), dir.resolve("m.onnx"), false,
        dir.resolve("o").toString(), 0, false, SparkFixtures.options(), Map.of());
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> SparkDetectJob.run(noModel, Progress.NONE));
    assertTrue(e.getMessage().contains("no such model"), e.getMessage());

    InvalidInputException none = assertThrows(InvalidInputException.class,
        () -> SparkDetectJob.run(request(empty, dir.resolve("o"), false), Progress.NONE));
    assertTrue(none.getMessage().contains("no images"), none.getMessage());
    InvalidInputException missing = assertThrows(InvalidInputException.class,
        () -> SparkDetectJob.run(request(dir.resolve("nowhere"), dir.resolve("o"), false), Progress.NONE));
    assertTrue(missing.getMessage().contains("no such file or directory"), missing.getMessage());
    assertTrue(Files.notExists(dir.resolve("o")), "nothing written");

    // A model that cannot be converted fails before the job on the driver (which converts), or the
    // job on the executors (spark.reparo.convertOn=executors), with the model's own error; nothing is written.
    Path images = SparkFixtures.images(dir, 2, false);
    Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "not a model");
    SparkDetectJob.Request bad = new SparkDetectJob.Request("local[1]", images.toString(), garbage, false,
        dir.resolve("o").toString(), 0, false, SparkFixtures.options(), Map.of("spark.driver.host", "127.0.0.1"));
    ModelFormatException onDriver = assertThrows(ModelFormatException.class, () -> SparkDetectJob.run(bad, Progress.NONE));
    assertTrue(onDriver.getMessage().contains("garbage.onnx: not a valid ONNX model"), onDriver.getMessage());
    SparkDetectJob.Request badOnExecutors = new SparkDetectJob.Request("local[1]", images.toString(), garbage, false,
        dir.resolve("o").toString(), 0, false, SparkFixtures.options(), Map.of("spark.driver.host", "127.0.0.1",
        ModelSource.CONVERT_ON, "executors"));
    ReparoException failed = assertThrows(ReparoException.class,
        () -> SparkDetectJob.run(badOnExecutors, Progress.NONE));
    assertTrue(failed.getMessage().startsWith("the Spark job failed: ") && failed.getMessage().contains("garbage.onnx"),
        failed.getMessage());
    assertTrue(Files.notExists(dir.resolve("o")), "nothing written");
    try (Stream<Path> left = Files.list(dir)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".o.tmp-")), "temporary output removed");
    }
  }
}
