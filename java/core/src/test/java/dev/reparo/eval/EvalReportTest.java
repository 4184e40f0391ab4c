package dev.reparo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-class numbers against pycocotools 2.0.11: tools/eval/coco_per_class_reference.py wrote
 * per_class.json from the same gt.json and dets.json as {@link CocoEvaluatorTest}.
 */
class EvalReportTest {
  private static Path resource(String name) throws URISyntaxException {
    return Path.of(EvalReportTest.class.getResource("/coco/" + name).toURI());
  }

  static EvalReport report() throws Exception {
    Path gt = resource("gt.json");
    dev.reparo.data.LabeledDataset data = dev.reparo.data.LabeledDataset.coco(gt, null);
    List<CocoEvaluator.GroundTruth> gts = EvalReport.groundTruth(data);
    List<Long> images = data.imageIds();
    CocoMetrics m = CocoEvaluator.evaluate(gts, CocoEvaluator.readResults(resource("dets.json")), images,
        List.copyOf(data.categories().keySet()));
    return EvalReport.of(m, gts, images, Map.of(1L, "circle", 2L, "square", 5L, "empty"));
  }

  @Test
  void perClassApAndCountsAgreeWithPycocotools() throws Exception {
    EvalReport r = report();
    JsonNode expected = new ObjectMapper().readTree(resource("per_class.json").toFile());
    assertEquals(3, r.classes().size());
    for (ClassMetrics c : r.classes()) {
      JsonNode e = expected.get(Long.toString(c.categoryId()));
      assertEquals(e.get("name").asText(), c.name());
      assertEquals(e.get("images").asInt(), c.images(), c.name());
      assertEquals(e.get("instances").asInt(), c.instances(), c.name());
      assertEquals(e.get("ap50").asDouble(), c.ap50(), 1e-9, c.name());
      assertEquals(e.get("ap").asDouble(), c.ap(), 1e-9, c.name());
      double[] curve = r.metrics().precisionCurve50(c.categoryId());
      assertEquals(101, curve.length);
      for (int i = 0; i < curve.length; i++) {
        assertEquals(e.get("pr50").get(i).asDouble(), curve[i], 1e-9, c.name() + " recall " + i);
      }
    }
    assertEquals(110, r.instances(), "56 circles + 54 squares");
    assertEquals(30, r.images());
  }

  @Test
  void tablePrintsAllThenEachClassWithDashesForUndefinedAp() throws Exception {
    String[] lines = report().classTable().split("\n");
    assertEquals(5, lines.length);
    assertTrue(lines[0].matches("\\s*class\\s+images\\s+instances\\s+AP50\\s+AP50-95"), lines[0]);
    assertTrue(lines[1].matches("\\s*all\\s+30\\s+110\\s+0\\.247\\s+0\\.100"), lines[1]);
    assertTrue(lines[2].matches("\\s*circle\\s+24\\s+56\\s+0\\.188\\s+0\\.073"), lines[2]);
    assertTrue(lines[4].matches("\\s*empty\\s+0\\s+0\\s+-\\s+-"), lines[4]);
  }

  @Test
  void jsonHoldsTheSummaryAndEveryClass() throws Exception {
    EvalReport r = report();
    JsonNode j = r.toJson();
    assertEquals(r.metrics().stats()[0], j.get("summary").get("AP").asDouble());
    assertEquals(r.metrics().stats()[11], j.get("summary").get("ARl").asDouble());
    assertEquals(3, j.get("classes").size());
    assertEquals("square", j.get("classes").get(1).get("name").asText());
    assertEquals(r.classes().get(1).ap50(), j.get("classes").get(1).get("ap50").asDouble());
  }
}
