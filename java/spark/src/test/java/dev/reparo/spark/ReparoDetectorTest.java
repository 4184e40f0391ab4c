package dev.reparo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ReparoDetector transformer: its appended detections column, in a Spark ML pipeline, saved and loaded. */
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

  /** The flat table's detections of each image, as the transformer's struct fields (rank order). */
  static Map<String, List<List<Object>>> flatByPath(List<Row> flat) {
    Map<String, List<List<Object>>> out = new TreeMap<>();
    flat.stream().sorted(Comparator.comparing((Row r) -> r.<String>getAs("path"))
        .thenComparing(r -> r.isNullAt(r.fieldIndex("rank")) ? -1 : r.<Integer>getAs("rank"))).forEach(r -> {
          List<List<Object>> dets = out.computeIfAbsent(r.getAs("path"), k -> new ArrayList<>());
          if (DetectionRows.DETECTED.equals(r.getAs("status"))) {
            dets.add(List.of(r.getAs("class_id"), r.getAs("label"), r.getAs("score"), r.getAs("x"), r.getAs("y"),
                r.getAs("w"), r.getAs("h")));
          }
        });
    return out;
  }

  @Test
  void transformerAppendsADetectionsArrayAndKeepsTheInputColumns() {
    List<Row> flat = ReparoSpark.detect(images, SparkFixtures.MODEL, SparkFixtures.options()).collectAsList();
    Map<String, List<List<Object>>> want = flatByPath(flat);
    Dataset<Row> out = detector().setOutputCol("objects").setErrorCol("why").transform(images);
    List<String> columns = List.of(out.schema().fieldNames());
    assertEquals(List.of(images.schema().fieldNames()), columns.subList(0, columns.size() - 2), "input columns kept");
    assertEquals(List.of("objects", "why"), columns.subList(columns.size() - 2, columns.size()));
    List<Row> rows = out.collectAsList();
    assertEquals(14, rows.size(), "one row per input row");
    int checked = 0;
    for (Row r : rows) {
      String path = r.getAs("path");
      if (path.contains("zz-")) {
        assertTrue(r.isNullAt(r.fieldIndex("objects")), path);
        assertTrue(r.<String>getAs("why").contains(path.substring(path.lastIndexOf('/') + 1)), r.<String>getAs("why"));
        continue;
      }
      assertTrue(r.isNullAt(r.fieldIndex("why")));
      assertEquals(((byte[]) images.where(functions.col("path").equalTo(path)).first().getAs("content")).length,
          r.<byte[]>getAs("content").length, "content kept");
      List<List<Object>> have = new ArrayList<>();
      for (Row d : r.<Row>getList(r.fieldIndex("objects"))) {
        have.add(List.of(d.getAs("class_id"), d.getAs("label"), d.getAs("score"), d.getAs("x"), d.getAs("y"),
            d.getAs("w"), d.getAs("h")));
      }
      assertEquals(want.get(path), have, path);
      checked += have.size();
    }
    assertTrue(checked > 0, "some detections compared");
  }

  /** Detections per path, as (score, class_id) pairs in rank order. */
  static Map<String, List<List<Object>>> scores(Dataset<Row> out) {
    Map<String, List<List<Object>>> byPath = new TreeMap<>();
    for (Row r : out.collectAsList()) {
      if (!r.isNullAt(r.fieldIndex("detections"))) {
        List<List<Object>> dets = new ArrayList<>();
        for (Row d : r.<Row>getList(r.fieldIndex("detections"))) {
          dets.add(List.of(d.getAs("score"), d.getAs("class_id")));
        }
        byPath.put(r.getAs("path"), dets);
      }
    }
    return byPath;
  }

  @Test
  void otherThresholdsReuseTheOpenDetector() {
    Map<String, List<List<Object>>> loose = scores(detector().setErrorCol("why").transform(images));
    int open = ExecutorDetectors.openCount();
    Map<String, List<List<Object>>> strict = scores(detector().setConfThreshold(0.95).setErrorCol("why")
        .transform(images));
    assertEquals(open, ExecutorDetectors.openCount(), "a new confidence threshold opens no new detector");
    assertEquals(loose.keySet(), strict.keySet());
    int dropped = 0;
    for (String path : loose.keySet()) {
      List<List<Object>> kept = loose.get(path).stream().filter(d -> ((Number) d.get(0)).doubleValue() > 0.95).toList();
      assertEquals(kept, strict.get(path), path);
      dropped += loose.get(path).size() - kept.size();
    }
    assertTrue(dropped > 0, "conf 0.95 drops some of conf 0.9's detections");
  }

  @Test
  void settingsThatDifferInThresholdsOnlyShareTheirLoadingKey() {
    DetectorSettings a = DetectorSettings.of(ModelSource.shared(SparkFixtures.MODEL.toString()), SparkFixtures.options());
    DetectorSettings b = DetectorSettings.of(ModelSource.shared(SparkFixtures.MODEL.toString()),
        SparkFixtures.options().toBuilder().confThreshold(0.5f).classes(1).build());
    assertEquals(a.forLoading(), b.forLoading());
    assertEquals(0.5f, b.params().conf());
    assertEquals(List.of(1), java.util.Arrays.stream(b.params().classes()).boxed().toList());
    DetectorSettings other = DetectorSettings.of(ModelSource.shared(SparkFixtures.MODEL.toString()),
        SparkFixtures.options().toBuilder().inputSize(640).build());
    assertTrue(!a.forLoading().equals(other.forLoading()), "a new input size is a new detector");
  }

  @Test
  void transformerComposesInAPipelineThatIsSavedAndLoaded() throws Exception {
    SQLTransformer perImage = new SQLTransformer().setStatement(
        "SELECT path, size(detections) AS n FROM __THIS__ WHERE detections IS NOT NULL");
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {detector(), perImage});
    PipelineModel model = pipeline.fit(images);
    List<Row> counts = model.transform(images).orderBy("path").collectAsList();
    assertEquals(12, counts.size(), "one row per readable image");
    Map<String, List<List<Object>>> want = flatByPath(
        ReparoSpark.detect(images, SparkFixtures.MODEL, SparkFixtures.options()).collectAsList());
    for (Row r : counts) {
      assertEquals(want.get(r.getString(0)).size(), r.getInt(1), r.getString(0));
    }

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
    InvalidInputException taken = assertThrows(InvalidInputException.class,
        () -> detector().setOutputCol("length").transform(images));
    assertTrue(taken.getMessage().contains("already has a column 'length'"), taken.getMessage());
    InvalidInputException badJson = assertThrows(InvalidInputException.class,
        () -> detector().setMetadata("[1]").transform(images));
    assertTrue(badJson.getMessage().contains("JSON object"), badJson.getMessage());
  }
}
