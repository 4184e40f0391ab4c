package dev.reparo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ReparoDetector transformer in a Spark ML pipeline, saved and loaded. */
class ReparoDetectorTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static Dataset<Row> images;

  @BeforeAll
  static void setUp() throws Exception {
    Path files = SparkFixtures.images(dir, 12, true);
    spark = SparkFixtures.session();
    images = spark.read().format("binaryFile").load(files.toUri().toString());
  }

  @AfterAll
  static void tearDown() {
    if (spark != null) {
      spark.stop();
    }
  }

  static ReparoDetector detector() {
    return new ReparoDetector().setModelPath(SparkFixtures.MODEL.toString()).setBackend("onnxruntime").setConfThreshold(0.9)
        .setMaxDetections(50).setMetadata(SparkFixtures.METADATA);
  }

  @Test
  void transformerInAPipelineGivesTheSameRowsAsReparoSpark() throws Exception {
    List<Row> direct = ReparoSpark.detect(images, SparkFixtures.MODEL, SparkFixtures.options())
        .orderBy("path", "rank").collectAsList();
    SQLTransformer perImage = new SQLTransformer().setStatement(
        "SELECT path, status, count(*) AS n FROM __THIS__ GROUP BY path, status");
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {detector(), perImage});
    PipelineModel model = pipeline.fit(images);
    assertEquals(direct, detector().transform(images).orderBy("path", "rank").collectAsList());

    List<Row> counts = model.transform(images).orderBy("path").collectAsList();
    assertEquals(14, counts.size(), "one row per image, 12 good and 2 bad");
    assertEquals(2, counts.stream().filter(r -> r.getString(1).equals(DetectionRows.ERROR)).count());
    long detections = direct.stream().filter(r -> r.getAs("status").equals(DetectionRows.DETECTED)).count();
    assertEquals(detections, counts.stream().filter(r -> r.getString(1).equals(DetectionRows.DETECTED))
        .mapToLong(r -> r.getLong(2)).sum());

    String saved = dir.resolve("pipeline").toUri().toString();
    model.write().save(saved);
    PipelineModel loaded = PipelineModel.load(saved);
    ReparoDetector stage = (ReparoDetector) loaded.stages()[0];
    assertEquals(0.9, stage.getOrDefault(stage.confThreshold()));
    assertEquals(counts, loaded.transform(images).orderBy("path").collectAsList());
  }

  @Test
  void missingModelPathOrColumnsAreExplained() {
    InvalidInputException noModel = assertThrows(InvalidInputException.class,
        () -> new ReparoDetector().transform(images));
    assertTrue(noModel.getMessage().contains("needs modelPath"), noModel.getMessage());
    InvalidInputException noColumn = assertThrows(InvalidInputException.class,
        () -> detector().setContentCol("bytes").transform(images));
    assertTrue(noColumn.getMessage().contains("no column 'bytes'"), noColumn.getMessage());
    InvalidInputException badJson = assertThrows(InvalidInputException.class,
        () -> detector().setMetadata("[1]").transform(images));
    assertTrue(badJson.getMessage().contains("JSON object"), badJson.getMessage());
  }
}
