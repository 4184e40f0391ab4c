package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Progress;
import dev.reparo.data.SceneStyle;
import dev.reparo.data.SyntheticDataset;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled demo model end to end: {@code reparo detect --demo} (the README's main job), and the
 * model's mAP on its validation split as Reparo measures it (fusion, ncnn, letterbox, decode, NMS,
 * evaluator) against what PyTorch + pycocotools measured at export time (demo.json).
 */
class DemoModelTest {
  /** The classic set demo.json calls "val" (train_demo.sh's classic2): 500 images, seed 2. */
  static final long VAL_SEED = 2;
  static final int VAL_IMAGES = 500;
  /** The unseen varied set demo.json reports (train_demo.sh's "test"): seed 4. */
  static final long UNSEEN_SEED = 4;

  static JsonNode info;

  @BeforeAll
  static void readDemoJson() throws Exception {
    try (InputStream in = DemoModelTest.class.getResourceAsStream("/dev/reparo/demo/demo.json")) {
      assertNotNull(in, "the CLI jar bundles demo.json beside demo.onnx");
      info = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void detectDemoWritesAnnotatedSamplesWithDetections(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("demo-out");
    ReparoCliTest.Result r = ReparoCliTest.run("detect", "--demo", "-o", out.toString(),
        "--json", dir.resolve("dets.json").toString());
    assertEquals(0, r.code(), r.err());
    try (var s = Files.list(out)) {
      assertEquals(Demo.SAMPLES, s.filter(p -> p.toString().endsWith(".jpg")).count(), r.out());
    }
    JsonNode dets = new ObjectMapper().readTree(dir.resolve("dets.json").toFile());
    // Every sample holds 1-10 shapes; a trained model finds most of them at the default threshold.
    assertTrue(dets.size() >= Demo.SAMPLES, "detections on the samples: " + dets.size());
  }

  @Test
  void validationMapMatchesPytorchsEvaluation(@TempDir Path dir) throws Exception {
    Path val = dir.resolve("val");
    new SyntheticDataset(VAL_SEED).write(val, VAL_IMAGES, Progress.NONE);
    assertEvalMatches("val", val, info.get("val"), dir);
  }

  /** reparo eval of the demo model on {@code data} against demo.json's PyTorch + pycocotools figures. */
  private static void assertEvalMatches(String label, Path data, JsonNode torch, Path dir) throws Exception {
    Path model = Demo.prepare(dir.resolve("demo")).model();
    ReparoCliTest.Result r = ReparoCliTest.run("eval", "-m", model.toString(),
        "--gt", data.resolve(SyntheticDataset.ANNOTATIONS).toString());
    assertEquals(0, r.code(), r.err());
    double map = stat(r.out(), "0.50:0.95", "all", 100);
    double map50 = stat(r.out(), "0.50     ", "all", 100);
    double torchMap50 = torch.get("map50").asDouble();
    double torchMap = torch.get("map50_95").asDouble();
    System.out.printf("demo %s: Reparo (ncnn) mAP@0.5 %.4f mAP@0.5:0.95 %.4f; PyTorch+pycocotools %.4f %.4f%n",
        label, map50, map, torchMap50, torchMap);
    // Within half a point of mAP@0.5 (the bound); the 12-line layout rounds to 0.001.
    assertEquals(torchMap50, map50, 0.005 + 0.0005, r.out());
    assertEquals(torchMap, map, 0.01, r.out());
  }

  /**
   * The same on the unseen set demo.json reports (varied scenes, seed 4: neither trained nor
   * selected on): what the model is meant to generalise to, as Reparo measures it.
   */
  @Test
  void unseenVariedSetMapMatchesPytorchsEvaluation(@TempDir Path dir) throws Exception {
    JsonNode unseen = info.get("unseen");
    assertNotNull(unseen, "demo.json reports the unseen set");
    Path val = dir.resolve("unseen");
    new SyntheticDataset(UNSEEN_SEED, SceneStyle.VARIED).write(val, VAL_IMAGES, Progress.NONE);
    assertEvalMatches("unseen", val, unseen, dir);
  }

  /** One value of the 12-line COCO summary, e.g. "Average Precision (AP) @[ IoU=0.50 | area= all | maxDets=100 ] = 0.912". */
  static double stat(String summary, String iou, String area, int maxDets) {
    Pattern p = Pattern.compile("Average Precision\\s+\\(AP\\) @\\[ IoU=" + Pattern.quote(iou.strip())
        + "\\s*\\|\\s*area=\\s*" + area + "\\s*\\|\\s*maxDets=\\s*" + maxDets + " \\] = ([0-9.\\-]+)");
    Matcher m = p.matcher(summary);
    assertTrue(m.find(), "no AP line for IoU " + iou + " in:\n" + summary);
    return Double.parseDouble(m.group(1));
  }
}
