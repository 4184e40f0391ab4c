package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reparo eval}'s per-class output against pycocotools (per_class.json, see tools/eval). */
class EvalCommandTest {
  static final Path COCO = DetectAndEvalCommandTest.COCO;

  @Test
  void printsPerClassTableAndWritesJsonAndPlotsAgreeingWithPycocotools(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("m/metrics.json");
    Path plots = dir.resolve("plots");
    ReparoCliTest.Result r = ReparoCliTest.run("eval", "--gt", COCO.resolve("gt.json").toString(), "--detections",
        COCO.resolve("dets.json").toString(), "--json", json.toString(), "--plots", plots.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode expected = new ObjectMapper().readTree(COCO.resolve("per_class.json").toFile());
    JsonNode stats = new ObjectMapper().readTree(COCO.resolve("expected.json").toFile()).get("stats");
    String[] lines = r.out().split("\n");
    assertTrue(lines[13].matches("\\s*class\\s+images\\s+instances\\s+AP50\\s+AP50-95"), r.out());
    for (String cat : new String[] {"1", "2"}) {
      JsonNode e = expected.get(cat);
      String row = String.format("%s %d %d %.3f %.3f", e.get("name").asText(), e.get("images").asInt(),
          e.get("instances").asInt(), e.get("ap50").asDouble(), e.get("ap").asDouble());
      assertTrue(r.out().lines().anyMatch(l -> l.strip().replaceAll("\\s+", " ").equals(row)), row + "\n" + r.out());
    }
    assertTrue(r.out().lines().anyMatch(l -> l.strip().replaceAll("\\s+", " ").equals("empty 0 0 - -")), r.out());

    JsonNode m = new ObjectMapper().readTree(json.toFile());
    assertEquals(stats.get(0).asDouble(), m.get("summary").get("AP").asDouble(), 1e-12);
    assertEquals(stats.get(1).asDouble(), m.get("summary").get("AP50").asDouble(), 1e-12);
    for (JsonNode c : m.get("classes")) {
      JsonNode e = expected.get(c.get("id").asText());
      assertEquals(e.get("ap50").asDouble(), c.get("ap50").asDouble(), 1e-9);
      assertEquals(e.get("ap").asDouble(), c.get("ap50_95").asDouble(), 1e-9);
      assertEquals(e.get("instances").asInt(), c.get("instances").asInt());
    }
    try (var s = Files.list(plots)) {
      assertEquals(2, s.count(), "a curve for each class with boxes, none for 'empty'");
    }
    BufferedImage png = ImageIO.read(plots.resolve("PR_circle.png").toFile());
    assertEquals(640, png.getWidth());
    assertFalse(Files.exists(plots.resolve("PR_empty.png")));
  }

  @Test
  void aBadDatasetFailsNamingTheFile(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("broken.json"), "{\"images\": [");
    ReparoCliTest.Result r = ReparoCliTest.run("eval", "--gt", bad.toString(), "--detections",
        COCO.resolve("dets.json").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("broken.json") && r.err().contains("not valid JSON"), r.err());
  }
}
