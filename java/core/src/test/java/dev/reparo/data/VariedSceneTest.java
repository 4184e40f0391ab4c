package dev.reparo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import dev.reparo.Progress;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SceneStyle#VARIED} scenes: determinism, object-free scenes, distractors never annotated. */
class VariedSceneTest {
  private static byte[] pixels(Scene scene) {
    return ((DataBufferByte) scene.image().getRaster().getDataBuffer()).getData();
  }

  @Test
  void sameSeedAndIndexGiveTheSameScene() {
    SceneGenerator a = new SceneGenerator(5, SceneStyle.VARIED);
    SceneGenerator b = new SceneGenerator(5, SceneStyle.VARIED);
    for (int i : new int[] {0, 3, 11, 40}) {
      Scene x = b.generate(i);
      Scene y = a.generate(i); // other order, other instance
      assertArrayEquals(pixels(x), pixels(y));
      assertEquals(x.objects().size(), y.objects().size());
      for (int k = 0; k < x.objects().size(); k++) {
        assertEquals(x.objects().get(k).box(), y.objects().get(k).box());
      }
      assertEquals(x.distractors(), y.distractors());
    }
  }

  @Test
  void variedDiffersFromClassicAndClassicIsUnchangedByTheOption() {
    Scene classic = new SceneGenerator(5).generate(2);
    Scene explicit = new SceneGenerator(5, SceneStyle.CLASSIC).generate(2);
    Scene varied = new SceneGenerator(5, SceneStyle.VARIED).generate(2);
    assertArrayEquals(pixels(classic), pixels(explicit));
    assertTrue(classic.distractors().isEmpty());
    assertFalse(java.util.Arrays.equals(pixels(classic), pixels(varied)));
  }

  @Test
  void someScenesAreObjectFreeAndTheRestFollowTheRules() {
    SceneGenerator g = new SceneGenerator(8, SceneStyle.VARIED);
    int n = 300;
    int empty = 0;
    int withDistractors = 0;
    Set<ShapeClass> seen = EnumSet.noneOf(ShapeClass.class);
    for (int i = 0; i < n; i++) {
      Scene s = g.generate(i);
      int w = s.image().getWidth();
      int h = s.image().getHeight();
      assertTrue(w >= 320 && w <= 640 && h >= 320 && h <= 640);
      assertTrue(s.objects().size() <= SceneGenerator.MAX_OBJECTS);
      if (s.objects().isEmpty()) {
        empty++;
        assertFalse(s.distractors().isEmpty(), "an object-free scene still has distractors: " + i);
      }
      withDistractors += s.distractors().isEmpty() ? 0 : 1;
      for (SceneObject o : s.objects()) {
        seen.add(o.shapeClass());
        Box b = o.box();
        assertTrue(b.x() >= 0 && b.y() >= 0 && b.right() <= w + 1e-9 && b.bottom() <= h + 1e-9, b.toString());
        double side = Math.max(b.width(), b.height());
        assertTrue(side >= SceneGenerator.MIN_OBJECT_SIZE - 1e-9 && side <= SceneGenerator.MAX_OBJECT_SIZE + 1e-9);
        double aspect = b.width() / b.height();
        if (o.shapeClass() == ShapeClass.CIRCLE || o.shapeClass() == ShapeClass.RING) {
          assertTrue(aspect >= 1 / SceneGenerator.MAX_ASPECT - 1e-9 && aspect <= SceneGenerator.MAX_ASPECT + 1e-9,
              "ellipse aspect " + aspect);
        }
      }
    }
    assertEquals(EnumSet.allOf(ShapeClass.class), seen);
    // 8% object-free, binomial(300, 0.08): mean 24, sd 4.7
    assertTrue(empty >= 10 && empty <= 40, "object-free scenes: " + empty);
    assertTrue(withDistractors > n / 2, "scenes with distractors: " + withDistractors);
  }

  @Test
  void writtenDatasetAnnotatesObjectsOnlyAndKeepsObjectFreeImages(@TempDir Path dir) throws Exception {
    int count = 40;
    Path out = dir.resolve("varied");
    new SyntheticDataset(8, SceneStyle.VARIED).write(out, count, Progress.NONE);
    JsonNode coco = new ObjectMapper().readTree(out.resolve(SyntheticDataset.ANNOTATIONS).toFile());
    assertEquals(count, coco.get("images").size(), "object-free images are listed too");
    assertEquals("varied", coco.get("info").get("style").asText());
    Map<Long, Integer> perImage = new HashMap<>();
    for (JsonNode a : coco.get("annotations")) {
      perImage.merge(a.get("image_id").asLong(), 1, Integer::sum);
    }
    SceneGenerator g = new SceneGenerator(8, SceneStyle.VARIED);
    int objectFree = 0;
    for (int i = 0; i < count; i++) {
      Scene s = g.generate(i);
      // exactly the scene's objects: none of its distractors became an annotation
      assertEquals(s.objects().size(), perImage.getOrDefault(i + 1L, 0), "image " + i);
      if (s.objects().isEmpty()) {
        objectFree++;
        List<String> lines = Files.readAllLines(out.resolve(SyntheticDataset.LABELS)
            .resolve(SyntheticDataset.fileName(i).replace(".jpg", ".txt")));
        assertTrue(lines.stream().allMatch(String::isBlank), "labels of an object-free image: " + lines);
      }
    }
    assertTrue(objectFree >= 1, "seed 8 has an object-free image among its first " + count);
  }

  @Test
  void styleNamesParse() {
    assertEquals(SceneStyle.VARIED, SceneStyle.parse("Varied"));
    assertEquals(SceneStyle.CLASSIC, SceneStyle.parse(" classic "));
    assertThrows(InvalidInputException.class, () -> SceneStyle.parse("fancy"));
  }
}
