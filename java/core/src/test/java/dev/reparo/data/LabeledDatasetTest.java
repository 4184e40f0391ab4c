package dev.reparo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.InvalidInputException;
import dev.reparo.eval.ClassMetrics;
import dev.reparo.eval.CocoEvaluator;
import dev.reparo.eval.EvalReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledDatasetTest {
  /**
   * Writes {@code dir}'s synthetic COCO dataset again in the YOLO layout (data.yaml, images/val,
   * labels/val) and as COCO with box areas (YOLO has no other area), returning the latter.
   */
  static Path writeBothLayouts(Path dir, int count) throws Exception {
    new SyntheticDataset(11).write(dir.resolve("coco"), count, (p, d, t) -> {});
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode coco = (ObjectNode) mapper.readTree(dir.resolve("coco/annotations.json").toFile());
    Map<Long, JsonNode> images = new HashMap<>();
    coco.get("images").forEach(i -> images.put(i.get("id").asLong(), i));
    Path yolo = dir.resolve("yolo");
    Files.createDirectories(yolo.resolve("images/val"));
    Files.createDirectories(yolo.resolve("labels/val"));
    StringBuilder names = new StringBuilder("names:\n");
    coco.get("categories").forEach(c -> names.append("  ").append(c.get("id").asInt()).append(": ")
        .append(c.get("name").asText()).append('\n'));
    Files.writeString(yolo.resolve("data.yaml"), "path: .\ntrain: images/train\nval: images/val\n" + names);
    Map<Long, StringBuilder> labels = new HashMap<>();
    for (JsonNode a : coco.get("annotations")) {
      JsonNode img = images.get(a.get("image_id").asLong());
      double w = img.get("width").asDouble();
      double h = img.get("height").asDouble();
      JsonNode b = a.get("bbox");
      labels.computeIfAbsent(img.get("id").asLong(), k -> new StringBuilder()).append(a.get("category_id").asInt())
          .append(' ').append((b.get(0).asDouble() + b.get(2).asDouble() / 2) / w)
          .append(' ').append((b.get(1).asDouble() + b.get(3).asDouble() / 2) / h)
          .append(' ').append(b.get(2).asDouble() / w).append(' ').append(b.get(3).asDouble() / h).append('\n');
      ((ObjectNode) a).put("area", b.get(2).asDouble() * b.get(3).asDouble());
    }
    for (JsonNode img : images.values()) {
      String file = img.get("file_name").asText();
      Files.copy(dir.resolve("coco/images").resolve(file), yolo.resolve("images/val").resolve(file));
      StringBuilder l = labels.get(img.get("id").asLong());
      if (l != null) {
        Files.writeString(yolo.resolve("labels/val").resolve(file.replaceAll("\\.[^.]+$", ".txt")), l);
      }
    }
    Path boxAreas = dir.resolve("coco/box-areas.json");
    mapper.writeValue(boxAreas.toFile(), coco);
    return boxAreas;
  }

  /** Jittered true boxes, some relabelled, plus false positives: the same objects for both datasets. */
  static List<CocoEvaluator.Result> detections(LabeledDataset truth, LabeledDataset target) {
    Random rnd = new Random(3);
    List<CocoEvaluator.Result> out = new ArrayList<>();
    Map<Long, LabeledDataset.Image> byId = new HashMap<>();
    truth.images().forEach(i -> byId.put(i.id(), i));
    for (LabeledDataset.Label l : truth.labels()) {
      long image = target.imageIdOf(byId.get(l.imageId()).file());
      double[] b = l.bbox();
      double j = 0.1 * Math.sqrt(b[2] * b[3]);
      long cat = rnd.nextDouble() < 0.1 ? (l.categoryId() + 1) % truth.categories().size() : l.categoryId();
      out.add(new CocoEvaluator.Result(image, target.categoryIdOf(truth.categories().get(cat)), new double[] {
          b[0] + rnd.nextGaussian() * j, b[1] + rnd.nextGaussian() * j, b[2] + rnd.nextGaussian() * j,
          b[3] + rnd.nextGaussian() * j}, Math.round(rnd.nextDouble() * 100) / 100.0));
      if (rnd.nextDouble() < 0.3) {
        out.add(new CocoEvaluator.Result(image, target.categoryIdOf(truth.categories().get(cat)),
            new double[] {rnd.nextDouble() * 300, rnd.nextDouble() * 300, 20 + rnd.nextDouble() * 80, 20 + rnd.nextDouble() * 80},
            rnd.nextDouble()));
      }
    }
    return out;
  }

  @Test
  void theSameDataAsCocoJsonAndAsYoloTxtGiveEqualMetrics(@TempDir Path dir) throws Exception {
    Path cocoJson = writeBothLayouts(dir, 12);
    LabeledDataset coco = LabeledDataset.open(cocoJson, dir.resolve("coco/images"), "val");
    LabeledDataset yolo = LabeledDataset.open(dir.resolve("yolo"));
    assertEquals(coco.images().size(), yolo.images().size());
    assertEquals(coco.labels().size(), yolo.labels().size());
    assertEquals(coco.categories(), yolo.categories());
    EvalReport a = EvalReport.evaluate(coco, detections(coco, coco));
    EvalReport b = EvalReport.evaluate(yolo, detections(coco, yolo));
    assertTrue(a.metrics().map() > 0.05 && a.metrics().map() < 0.95, "a non-trivial score: " + a.metrics().format());
    assertArrayEquals(a.metrics().stats(), b.metrics().stats(), 1e-12, a.metrics().format() + b.metrics().format());
    assertEquals(a.classes().size(), b.classes().size());
    for (int i = 0; i < a.classes().size(); i++) {
      ClassMetrics x = a.classes().get(i);
      ClassMetrics y = b.classes().get(i);
      assertEquals(x.name(), y.name());
      assertEquals(x.images(), y.images());
      assertEquals(x.instances(), y.instances());
      assertEquals(x.ap50(), y.ap50(), 1e-12);
      assertEquals(x.ap(), y.ap(), 1e-12);
    }
    assertEquals(a.classTable(), b.classTable());
  }

  static Path yoloLayout(Path dir, String yaml, String labels) throws Exception {
    Files.createDirectories(dir.resolve("images/val"));
    Files.createDirectories(dir.resolve("labels/val"));
    ImageIO.write(new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR), "png", dir.resolve("images/val/a.png").toFile());
    Files.writeString(dir.resolve("labels/val/a.txt"), labels);
    return Files.writeString(dir.resolve("data.yaml"), yaml);
  }

  @Test
  void normalizedBoxesAndPolygonsBecomePixelBoxes(@TempDir Path dir) throws Exception {
    Path yaml = yoloLayout(dir, "val: images/val\nnames: [cat, dog]\n",
        "0 0.5 0.5 0.2 0.4\n\n1 0.1 0.1 0.3 0.1 0.2 0.6\n");
    LabeledDataset d = LabeledDataset.open(yaml);
    assertEquals(Map.of(0L, "cat", 1L, "dog"), d.categories());
    assertEquals(1, d.images().size());
    assertEquals(200, d.images().get(0).width());
    assertArrayEquals(new double[] {80, 30, 40, 40}, d.labels().get(0).bbox(), 1e-9);
    assertArrayEquals(new double[] {20, 10, 40, 50}, d.labels().get(1).bbox(), 1e-9, "the polygon's bounding box");
    assertEquals(1, d.labels().get(1).categoryId());
    assertEquals(1600, d.labels().get(0).area(), 1e-9);
  }

  @Test
  void labelsLiveWhereUltralyticsLooks() {
    assertEquals(Path.of("/d/labels/val/x.txt"), YoloDataset.labelFile(Path.of("/d/images/val/x.jpg")));
    assertEquals(Path.of("/images/d/labels/x.txt"), YoloDataset.labelFile(Path.of("/images/d/images/x.png")));
    assertEquals(Path.of("/d/pics/x.txt"), YoloDataset.labelFile(Path.of("/d/pics/x.jpeg")));
  }

  @Test
  void badLabelLinesAreReportedWithFileAndLine(@TempDir Path dir) throws Exception {
    Path yaml = yoloLayout(dir, "val: images/val\nnames: {0: cat}\n", "0 0.5 0.5 0.2 0.4\n3 0.5 0.5 0.2 0.4\n");
    var e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml));
    assertTrue(e.getMessage().contains("a.txt:2: class 3 is not in 'names'"), e.getMessage());
    Files.writeString(dir.resolve("labels/val/a.txt"), "0 0.5 zero 0.2 0.4\n");
    e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml));
    assertTrue(e.getMessage().contains("a.txt:1: not a number"), e.getMessage());
  }

  @Test
  void aDataYamlWithoutNamesOrSplitIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    Path yaml = yoloLayout(dir, "val: images/val\n", "");
    var e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml));
    assertTrue(e.getMessage().contains("data.yaml: needs 'names'"), e.getMessage());
    Files.writeString(yaml, "train: images/train\nnames: [a]\n");
    e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml));
    assertTrue(e.getMessage().contains("no 'val' split"), e.getMessage());
    Files.writeString(yaml, "val: [unclosed\n");
    e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml));
    assertTrue(e.getMessage().contains("data.yaml: not valid YAML") && e.getMessage().contains("line"), e.getMessage());
  }

  @Test
  void aSplitCanBeATextListOfImagesRelativeToIt(@TempDir Path dir) throws Exception {
    Path yaml = yoloLayout(dir, "val: val.txt\nnames: [cat]\n", "0 0.5 0.5 0.2 0.4\n");
    Files.writeString(dir.resolve("val.txt"), "# the validation images\nimages/val/a.png\n");
    LabeledDataset d = LabeledDataset.open(yaml);
    assertEquals(1, d.labels().size());
    Files.writeString(dir.resolve("val.txt"), "images/val/a.png\nimages/val/missing.png\n");
    var e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml));
    assertTrue(e.getMessage().contains("val.txt:2: no such image"), e.getMessage());
  }

  @Test
  void theSplitIsChosenAndAnImagesFolderIsForCocoOnly(@TempDir Path dir) throws Exception {
    Path yaml = yoloLayout(dir, "path: .\ntrain: [images/train]\nval: images/val\nnames: [cat]\n", "0 0.5 0.5 0.2 0.4\n");
    Files.createDirectories(dir.resolve("images/train"));
    Files.createDirectories(dir.resolve("labels/train"));
    for (String n : new String[] {"b.png", "c.png"}) {
      Files.copy(dir.resolve("images/val/a.png"), dir.resolve("images/train").resolve(n));
    }
    Files.writeString(dir.resolve("labels/train/c.txt"), "0 0.5 0.5 0.5 0.5\n0 0.1 0.1 0.1 0.1\n");
    LabeledDataset train = LabeledDataset.open(yaml, null, "train");
    assertEquals(List.of("b.png", "c.png"), train.images().stream().map(i -> i.file().getFileName().toString()).toList());
    assertEquals(2, train.labels().size(), "b.png has no label file: no boxes");
    assertEquals(2, train.labels().get(0).imageId(), "c.png is image 2");
    assertEquals(1, LabeledDataset.open(yaml).labels().size(), "val by default");
    var e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(yaml, dir.resolve("images"), "val"));
    assertTrue(e.getMessage().contains("applies to COCO JSON only"), e.getMessage());
  }

  @Test
  void cocoAnnotationsNamingUnknownImagesAreRefused(@TempDir Path dir) throws Exception {
    Path json = Files.writeString(dir.resolve("a.json"), "{\"images\":[{\"id\":1,\"file_name\":\"x.jpg\"}],"
        + "\"categories\":[{\"id\":1,\"name\":\"c\"}],\"annotations\":[{\"id\":4,\"image_id\":2,\"category_id\":1,\"bbox\":[0,0,1,1]}]}");
    var e = assertThrows(InvalidInputException.class, () -> LabeledDataset.open(json));
    assertTrue(e.getMessage().contains("a.json: annotation 4 names unknown image 2"), e.getMessage());
  }
}
