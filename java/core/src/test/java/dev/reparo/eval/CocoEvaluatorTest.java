package dev.reparo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.ModelFormatException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * pycocotools 2.0.11 is the oracle: tools/eval/coco_reference.py made gt.json and dets.json
 * (crowd boxes, an annotation with id 0, a category without boxes, tied scores, more than 100
 * detections on one image) and recorded COCOeval's numbers in expected.json.
 */
class CocoEvaluatorTest {
  private static Path resource(String name) throws URISyntaxException {
    return Path.of(CocoEvaluatorTest.class.getResource("/coco/" + name).toURI());
  }

  @Test
  void agreesWithPycocotools() throws Exception {
    Path gt = resource("gt.json");
    dev.reparo.data.LabeledDataset data = dev.reparo.data.LabeledDataset.coco(gt, null);
    CocoMetrics m = CocoEvaluator.evaluate(EvalReport.groundTruth(data), CocoEvaluator.readResults(resource("dets.json")),
        data.imageIds(), java.util.List.copyOf(data.categories().keySet()));
    JsonNode expected = new ObjectMapper().readTree(resource("expected.json").toFile());
    for (int i = 0; i < 12; i++) {
      assertEquals(expected.get("stats").get(i).asDouble(), m.stats()[i], 1e-9, "stat " + i + "\n" + m.format());
    }
    for (long cat : new long[] {1, 2, 5}) {
      assertEquals(expected.get("category_ap").get(Long.toString(cat)).asDouble(), m.categoryAp(cat), 1e-9, "category " + cat);
    }
    assertTrue(m.format().contains("Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.247"),
        m.format());
  }

  @Test
  void perfectDetectionsScoreOne() {
    List<CocoEvaluator.GroundTruth> gts = List.of(
        new CocoEvaluator.GroundTruth(1, 1, 1, new double[] {10, 10, 50, 40}, 2000, false),
        new CocoEvaluator.GroundTruth(2, 1, 2, new double[] {100, 100, 20, 20}, 400, false));
    List<CocoEvaluator.Result> dets = List.of(
        new CocoEvaluator.Result(1, 1, new double[] {10, 10, 50, 40}, 0.9),
        new CocoEvaluator.Result(1, 2, new double[] {100, 100, 20, 20}, 0.8));
    CocoMetrics m = CocoEvaluator.evaluate(gts, dets, List.of(1L), List.of(1L, 2L));
    assertEquals(1.0, m.map(), 1e-12);
    assertEquals(1.0, m.map50(), 1e-12);
    assertEquals(-1.0, m.stats()[5], "no large boxes: undefined, as pycocotools prints -1");
  }

  @Test
  void resultsForUnknownImagesAreRejected() {
    var e = assertThrows(ModelFormatException.class, () -> CocoEvaluator.evaluate(List.of(),
        List.of(new CocoEvaluator.Result(9, 1, new double[] {0, 0, 1, 1}, 0.5)), List.of(1L), List.of(1L)));
    assertTrue(e.getMessage().contains("image 9"), e.getMessage());
  }
}
