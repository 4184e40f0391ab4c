package dev.reparo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {
  @TempDir
  Path tmp;

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void sameSeedWritesTheSameBytes() throws IOException {
    new SyntheticDataset(123).write(tmp.resolve("a"), 4, null);
    new SyntheticDataset(123).write(tmp.resolve("b"), 4, null);
    List<Path> a = files(tmp.resolve("a"));
    List<Path> b = files(tmp.resolve("b"));
    assertEquals(10, a.size(), "4 images, 4 label files, annotations.json, data.yaml: " + a);
    for (int i = 0; i < a.size(); i++) {
      assertEquals(tmp.resolve("a").relativize(a.get(i)), tmp.resolve("b").relativize(b.get(i)));
      assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
    }
  }

  @Test
  void differentSeedsWriteDifferentImages() throws IOException {
    new SyntheticDataset(1).write(tmp.resolve("a"), 2, null);
    new SyntheticDataset(2).write(tmp.resolve("b"), 2, null);
    assertFalse(java.util.Arrays.equals(
        Files.readAllBytes(tmp.resolve("a/images/000000.jpg")),
        Files.readAllBytes(tmp.resolve("b/images/000000.jpg"))));
  }

  @Test
  void writesCocoDetectionJson() throws IOException {
    List<int[]> progress = new ArrayList<>();
    Path out = tmp.resolve("ds");
    new SyntheticDataset(77).write(out, 6, (phase, done, total) -> progress.add(new int[] {(int) done, (int) total}));
    assertEquals(6, progress.size());
    assertArrayEquals(new int[] {6, 6}, progress.get(5));

    // read as plain JSON, independent of the CocoDataset records
    JsonNode root = new ObjectMapper().readTree(out.resolve("annotations.json").toFile());
    JsonNode categories = root.get("categories");
    String[] names = {"circle", "square", "triangle", "ring", "cross", "star"};
    assertEquals(6, categories.size());
    for (int i = 0; i < 6; i++) {
      assertEquals(i, categories.get(i).get("id").asInt());
      assertEquals(names[i], categories.get(i).get("name").asText());
    }
    JsonNode images = root.get("images");
    assertEquals(6, images.size());
    for (int i = 0; i < 6; i++) {
      JsonNode im = images.get(i);
      assertEquals(i + 1, im.get("id").asInt());
      BufferedImage decoded = ImageIO.read(out.resolve("images").resolve(im.get("file_name").asText()).toFile());
      assertEquals(decoded.getWidth(), im.get("width").asInt());
      assertEquals(decoded.getHeight(), im.get("height").asInt());
    }
    JsonNode annotations = root.get("annotations");
    assertTrue(annotations.size() >= 6);
    long previousId = 0;
    for (JsonNode a : annotations) {
      assertTrue(a.get("id").asLong() > previousId, "annotation ids increase");
      previousId = a.get("id").asLong();
      int image = a.get("image_id").asInt();
      assertTrue(image >= 1 && image <= 6);
      int category = a.get("category_id").asInt();
      assertTrue(category >= 0 && category < 6);
      JsonNode bbox = a.get("bbox");
      assertEquals(4, bbox.size());
      JsonNode im = images.get(image - 1);
      assertTrue(bbox.get(0).asDouble() >= 0 && bbox.get(1).asDouble() >= 0);
      assertTrue(bbox.get(0).asDouble() + bbox.get(2).asDouble() <= im.get("width").asDouble() + 0.01);
      assertTrue(bbox.get(1).asDouble() + bbox.get(3).asDouble() <= im.get("height").asDouble() + 0.01);
      double area = a.get("area").asDouble();
      assertTrue(area > 0 && area <= bbox.get(2).asDouble() * bbox.get(3).asDouble());
      assertEquals(0, a.get("iscrowd").asInt());
    }
    // the typed reader agrees and validates
    CocoDataset read = CocoDataset.read(out.resolve("annotations.json"));
    assertEquals(annotations.size(), read.annotations().size());
    assertEquals(77L, ((Number) read.info().get("seed")).longValue());
  }

  @Test
  void theYoloLayoutHoldsTheSameBoxesAsTheCocoJson() throws IOException {
    Path out = tmp.resolve("ds");
    new SyntheticDataset(5).write(out, 4, null);
    LabeledDataset coco = LabeledDataset.open(out.resolve(SyntheticDataset.ANNOTATIONS));
    LabeledDataset yolo = LabeledDataset.open(out);
    assertEquals(coco.categories(), yolo.categories());
    assertEquals(coco.imageIds(), yolo.imageIds());
    assertEquals(coco.labels().size(), yolo.labels().size());
    assertTrue(coco.labels().size() >= 4, "some boxes: " + coco.labels().size());
    for (int i = 0; i < coco.labels().size(); i++) {
      LabeledDataset.Label c = coco.labels().get(i);
      LabeledDataset.Label y = yolo.labels().get(i);
      assertEquals(c.imageId(), y.imageId());
      assertEquals(c.categoryId(), y.categoryId());
      assertArrayEquals(c.bbox(), y.bbox(), 1e-9);
    }
  }

  @Test
  void refusesANonEmptyTargetAndLeavesNoTemporaryFolder() throws IOException {
    Path out = Files.createDirectory(tmp.resolve("busy"));
    Files.writeString(out.resolve("keep.txt"), "x");
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> new SyntheticDataset(1).write(out, 1, null));
    assertTrue(e.getMessage().contains("busy"), e.getMessage());
    assertEquals("x", Files.readString(out.resolve("keep.txt")));
    assertThrows(InvalidInputException.class, () -> new SyntheticDataset(1).write(tmp.resolve("z"), 0, null));

    Path empty = Files.createDirectory(tmp.resolve("empty"));
    new SyntheticDataset(1).write(empty, 1, null);
    assertTrue(Files.exists(empty.resolve("annotations.json")));
    try (Stream<Path> left = Files.list(tmp)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "temporary folder left");
    }
  }

  @Test
  void readerRejectsAnnotationsOfUnknownImages() throws IOException {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":4,\"height\":4}],"
        + "\"categories\":[{\"id\":0,\"name\":\"circle\"}],"
        + "\"annotations\":[{\"id\":1,\"image_id\":2,\"category_id\":0,\"bbox\":[0,0,1,1],\"area\":1}]}");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> CocoDataset.read(bad));
    assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("unknown image 2"), e.getMessage());
    Files.writeString(bad, "[1, 2");
    assertThrows(InvalidInputException.class, () -> CocoDataset.read(bad));
  }
}
