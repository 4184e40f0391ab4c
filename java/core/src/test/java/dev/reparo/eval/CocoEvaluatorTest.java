package dev.reparo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import dev.reparo.data.Box;
import dev.reparo.data.CocoDataset;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Oracle: pycocotools' numbers on eval/gt.json + eval/dt.json (tools/train/coco_oracle.py). */
class CocoEvaluatorTest {
  private static Path resource(String name) throws URISyntaxException {
    return Path.of(CocoEvaluatorTest.class.getResource("/eval/" + name).toURI());
  }

  @Test
  void matchesPycocotoolsOnTheCommittedPair() throws Exception {
    CocoDataset gt = CocoDataset.read(resource("gt.json"));
    List<Detection> dt = Detection.readCocoResults(resource("dt.json"));
    JsonNode expected = new ObjectMapper().readTree(resource("expected.json").toFile());
    CocoMetrics m = new CocoEvaluator().evaluate(gt, dt);
    assertEquals(expected.get("map50_95").asDouble(), m.map50To95(), 1e-12);
    assertEquals(expected.get("map50").asDouble(), m.map50(), 1e-12);
    assertEquals(expected.get("map75").asDouble(), m.map75(), 1e-12);
    assertEquals(4, m.perCategory().size());
    expected.get("per_class").fields().forEachRemaining(e -> {
      CocoMetrics.ClassAp ap = m.perCategory().get(Integer.parseInt(e.getKey()));
      assertEquals(e.getValue().get("ap50_95").asDouble(), ap.ap50To95(), 1e-12, "class " + e.getKey());
      assertEquals(e.getValue().get("ap50").asDouble(), ap.ap50(), 1e-12, "class " + e.getKey());
    });
    assertEquals(-1, m.perCategory().get(3).ap50To95(), "no ground truth: left out");
  }

  private static CocoDataset twoObjects() {
    return new CocoDataset(Map.of(),
        List.of(new CocoDataset.Image(1, "a.jpg", 100, 100)),
        List.of(new CocoDataset.Annotation(1, 1, 0, new double[] {10, 10, 20, 20}, 400, 0),
            new CocoDataset.Annotation(2, 1, 0, new double[] {60, 60, 30, 30}, 900, 0)),
        List.of(new CocoDataset.Category(0, "circle", "shape")));
  }

  @Test
  void perfectDetectionsScoreOneAndMissesHalveRecall() {
    CocoEvaluator ev = new CocoEvaluator();
    CocoMetrics perfect = ev.evaluate(twoObjects(), List.of(
        new Detection(1, 0, new Box(10, 10, 20, 20), 0.9), new Detection(1, 0, new Box(60, 60, 30, 30), 0.8)));
    assertEquals(1.0, perfect.map50To95(), 1e-12);
    // one of two found: precision 1 up to recall 0.5 -> 51 of 101 recall points
    CocoMetrics half = ev.evaluate(twoObjects(), List.of(new Detection(1, 0, new Box(10, 10, 20, 20), 0.9)));
    assertEquals(51.0 / 101, half.map50(), 1e-12);
    // a duplicate ranked above the true positive: precision 1/2 at recall 0.5
    CocoMetrics dup = ev.evaluate(twoObjects(), List.of(
        new Detection(1, 0, new Box(10, 10, 20, 20), 0.5), new Detection(1, 0, new Box(10, 10, 20, 20), 0.9),
        new Detection(1, 0, new Box(0, 0, 5, 5), 0.95)));
    assertEquals(51.0 / 101 * 0.5, dup.map50(), 1e-12);
  }

  @Test
  void iouThresholdsGradeLocalisation() {
    // IoU 0.8 with the only object: a hit at thresholds 0.50..0.80 (7 of 10)
    CocoDataset gt = new CocoDataset(Map.of(), List.of(new CocoDataset.Image(1, "a.jpg", 100, 100)),
        List.of(new CocoDataset.Annotation(1, 1, 0, new double[] {0, 0, 50, 40}, 2000, 0)),
        List.of(new CocoDataset.Category(0, "circle", "shape")));
    CocoMetrics m = new CocoEvaluator().evaluate(gt, List.of(new Detection(1, 0, new Box(0, 0, 40, 40), 1)));
    assertEquals(0.7, m.map50To95(), 1e-12);
    assertEquals(1.0, m.map75(), 1e-12);
  }

  @Test
  void malformedResultsNameTheFile(@TempDir Path tmp) throws IOException {
    Path bad = tmp.resolve("dets.json");
    Files.writeString(bad, "[{\"image_id\": 1, \"category_id\": 0, \"bbox\": [1, 2, 3], \"score\": 0.5}]");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Detection.readCocoResults(bad));
    assertTrue(e.getMessage().contains("dets.json") && e.getMessage().contains("result 0"), e.getMessage());
    Files.writeString(bad, "{}");
    assertThrows(InvalidInputException.class, () -> Detection.readCocoResults(bad));
    List<Detection> none = new ArrayList<>();
    assertEquals(0.0, new CocoEvaluator().evaluate(twoObjects(), none).map50To95());
  }
}
