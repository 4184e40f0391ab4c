package dev.reparo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ReparoSpark.detect on local[2] over 200 synthetic images and two bad files, against the same
 * detector run directly in this JVM.
 */
class ReparoSparkTest {
  static final int IMAGES = 200;
  /** Failures injected; tasks run in this JVM under local[2,2]. */
  static final AtomicInteger INJECTED = new AtomicInteger();
  @TempDir
  static Path dir;
  static SparkSession spark;
  static Path images;
  /** The direct detector's results per image file; bad files are absent. */
  static Map<Path, Expected> expected;

  record Expected(int width, int height, List<Detection> detections) {}

  @BeforeAll
  static void setUp() throws Exception {
    images = SparkFixtures.images(dir, IMAGES, true);
    expected = new HashMap<>();
    try (Detector d = Detector.open(SparkFixtures.MODEL, SparkFixtures.options());
        Stream<Path> files = Files.list(images)) {
      for (Path p : files.toList()) {
        if (!p.getFileName().toString().startsWith("zz-")) {
          BufferedImage img = ImageLoader.read(p);
          expected.put(p, new Expected(img.getWidth(), img.getHeight(), d.detect(p)));
        }
      }
    }
    assertEquals(IMAGES, expected.size());
    assertTrue(expected.values().stream().anyMatch(x -> x.detections().isEmpty()), "some images have no detections");
    assertTrue(expected.values().stream().anyMatch(x -> x.detections().size() > 1), "some images have several");
    spark = SparkFixtures.session();
  }

  @AfterAll
  static void tearDown() {
    if (spark != null) {
      spark.stop();
    }
  }

  static Dataset<Row> read() {
    return spark.read().format("binaryFile").load(images.toUri().toString());
  }

  /** Rows grouped by image file, each image's rows in rank order. */
  static Map<Path, List<Row>> byImage(List<Row> rows) {
    Map<Path, List<Row>> out = new HashMap<>();
    for (Row r : rows) {
      out.computeIfAbsent(SparkFixtures.local(r.getAs("path")), k -> new ArrayList<>()).add(r);
    }
    out.values().forEach(l -> l.sort(Comparator.comparing(r -> r.isNullAt(r.fieldIndex("rank")) ? -1
        : r.<Integer>getAs("rank"))));
    return out;
  }

  /** Every image has exactly its rows, equal to the direct detector's; the bad files have one error row each. */
  static void assertMatchesDirectDetector(List<Row> rows) {
    Map<Path, List<Row>> got = byImage(rows);
    assertEquals(IMAGES + 2, got.size(), "one group per input file");
    int total = 0;
    for (Map.Entry<Path, Expected> e : expected.entrySet()) {
      List<Detection> want = e.getValue().detections();
      List<Row> have = got.get(e.getKey());
      assertEquals(Math.max(1, want.size()), have.size(), "rows of " + e.getKey());
      total += have.size();
      for (Row r : have) {
        assertEquals(e.getValue().width(), r.<Integer>getAs("width"));
        assertEquals(e.getValue().height(), r.<Integer>getAs("height"));
      }
      if (want.isEmpty()) {
        Row r = have.get(0);
        assertEquals(DetectionRows.NONE, r.getAs("status"));
        assertEquals(0, r.<Integer>getAs("detections"));
        assertNull(r.getAs("score"));
        continue;
      }
      for (int i = 0; i < want.size(); i++) {
        Detection d = want.get(i);
        Row r = have.get(i);
        assertEquals(DetectionRows.DETECTED, r.getAs("status"));
        assertEquals(want.size(), r.<Integer>getAs("detections"));
        assertEquals(i, r.<Integer>getAs("rank"));
        assertEquals(d.classId(), r.<Integer>getAs("class_id"));
        assertEquals(d.label(), r.getAs("label"));
        assertEquals(d.score(), r.<Float>getAs("score"), 1e-6f, "score");
        assertEquals(d.x1(), r.<Float>getAs("x"), 1e-3f);
        assertEquals(d.y1(), r.<Float>getAs("y"), 1e-3f);
        assertEquals(d.width(), r.<Float>getAs("w"), 1e-3f);
        assertEquals(d.height(), r.<Float>getAs("h"), 1e-3f);
      }
    }
    for (String bad : List.of(SparkFixtures.RANDOM_BYTES, SparkFixtures.TRUNCATED)) {
      List<Row> have = got.get(images.resolve(bad));
      assertEquals(1, have.size(), bad);
      assertEquals(DetectionRows.ERROR, have.get(0).getAs("status"));
      assertTrue(have.get(0).<String>getAs("error").contains(bad), have.get(0).<String>getAs("error"));
    }
    assertEquals(total + 2, rows.size(), "no rows beyond those checked");
  }

  @Test
  void detectionsEqualTheDirectDetectorsAndBadImagesGiveErrorRows() {
    List<Row> rows = ReparoSpark.detect(read(), SparkFixtures.MODEL, SparkFixtures.options()).collectAsList();
    assertMatchesDirectDetector(rows);
    Row truncated = byImage(rows).get(images.resolve(SparkFixtures.TRUNCATED)).get(0);
    assertTrue(truncated.<String>getAs("error").contains("truncated"), truncated.<String>getAs("error"));
    int open = ExecutorDetectors.openCount();
    assertTrue(open >= 1);
    assertEquals(IMAGES + 2, ReparoSpark.detect(read(), SparkFixtures.MODEL, SparkFixtures.options())
        .select("path").distinct().count());
    assertEquals(open, ExecutorDetectors.openCount(), "the second job reused the JVM's detector");
  }

  @Test
  void aRetriedTaskDoesNotDuplicateWrittenRows() throws Exception {
    // The first attempt of the writing task of partition 0 dies after 5 of its images were
    // detected and written.
    Dataset<Row> input = read().repartition(3, functions.col("path"));
    Dataset<Row> flaky = input.mapPartitions(new FailFirstAttempt(), Encoders.row(input.schema()));
    Path out = dir.resolve("out.parquet");
    ReparoSpark.detect(flaky, SparkFixtures.MODEL, SparkFixtures.options()).write().parquet(out.toUri().toString());
    assertEquals(1, INJECTED.get(), "one task attempt failed and was retried");
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    assertMatchesDirectDetector(spark.read().parquet(out.toUri().toString()).collectAsList());
  }

  /** Passes rows through; the first attempt of partition 0 fails at its sixth row. */
  static final class FailFirstAttempt implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      TaskContext t = TaskContext.get();
      boolean fail = t.partitionId() == 0 && t.attemptNumber() == 0;
      return new Iterator<>() {
        int seen;

        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          if (fail && ++seen == 6) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure");
          }
          return rows.next();
        }
      };
    }
  }

  @Test
  void aConvertedModelShipsAsItsDirectoryAndAnOnnxAsItIsOnRequest() throws Exception {
    Path converted = new ConversionCache(dir.resolve("cache")).deploy(SparkFixtures.MODEL).dir();
    Dataset<Row> some = read().where(functions.col("path").rlike("00001[0-9]\\.jpg$"));
    List<Row> rows = ReparoSpark.detect(some, converted.resolve("model.json"), SparkFixtures.options()).collectAsList();
    spark.conf().set(ModelSource.CONVERT_ON, "executors");
    try {
      assertEquals(rows.size(), ReparoSpark.detect(some, SparkFixtures.MODEL, SparkFixtures.options()).count());
    } finally {
      spark.conf().unset(ModelSource.CONVERT_ON);
    }
    Map<Path, List<Row>> got = byImage(rows);
    assertEquals(10, got.size());
    got.forEach((path, have) -> {
      List<Detection> want = expected.get(path).detections();
      assertEquals(Math.max(1, want.size()), have.size(), path.toString());
      if (!want.isEmpty()) {
        assertEquals(want.get(0).score(), have.get(0).<Float>getAs("score"), 1e-6f);
        assertEquals(want.get(0).x1(), have.get(0).<Float>getAs("x"), 1e-3f);
      }
    });
  }

  @Test
  void inputWithoutTheBinaryFileColumnsIsRejectedClearly() {
    Dataset<Row> paths = read().select("path");
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ReparoSpark.detect(paths, SparkFixtures.MODEL, SparkFixtures.options()));
    assertTrue(e.getMessage().contains("binary column 'content'"), e.getMessage());
    InvalidInputException missing = assertThrows(InvalidInputException.class,
        () -> ReparoSpark.detect(read(), dir.resolve("nope.onnx"), SparkFixtures.options()));
    assertTrue(missing.getMessage().contains("no such model"), missing.getMessage());
    spark.conf().set(ModelSource.CONVERT_ON, "workers");
    try {
      InvalidInputException where = assertThrows(InvalidInputException.class,
          () -> ReparoSpark.detect(read(), SparkFixtures.MODEL, SparkFixtures.options()));
      assertTrue(where.getMessage().contains("spark.reparo.convertOn must be 'driver' or 'executors'"),
          where.getMessage());
    } finally {
      spark.conf().unset(ModelSource.CONVERT_ON);
    }
  }
}
