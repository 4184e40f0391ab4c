package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NmsTest {
  /** The textbook formulation: sort, keep the best, delete everything it overlaps, repeat. */
  private static int[] reference(Candidates c, float thr, int max, boolean agnostic) {
    List<Integer> left = new ArrayList<>();
    for (int i = 0; i < c.size(); i++) {
      left.add(i);
    }
    left.sort((a, b) -> Float.compare(c.score[b], c.score[a]));
    List<Integer> kept = new ArrayList<>();
    while (!left.isEmpty() && kept.size() < max) {
      int best = left.remove(0);
      kept.add(best);
      left.removeIf(j -> (agnostic || c.classId[j] == c.classId[best])
          && Boxes.iou(c.x1[best], c.y1[best], c.x2[best], c.y2[best], c.x1[j], c.y1[j], c.x2[j], c.y2[j]) > thr);
    }
    return kept.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Candidates randomBoxes(long seed, int n) {
    Random r = new Random(seed);
    Candidates c = new Candidates();
    for (int i = 0; i < n; i++) {
      float x = r.nextFloat() * 200, y = r.nextFloat() * 200, w = 5 + r.nextFloat() * 60, h = 5 + r.nextFloat() * 60;
      c.add(x, y, x + w, y + h, r.nextFloat(), r.nextInt(3));
    }
    return c;
  }

  @Test
  void matchesTheTextbookAlgorithm() {
    for (long seed = 1; seed <= 20; seed++) {
      Candidates c = randomBoxes(seed, 400);
      for (boolean agnostic : new boolean[] {false, true}) {
        for (float thr : new float[] {0.3f, 0.45f, 0.7f}) {
          assertArrayEquals(reference(c, thr, 300, agnostic), Nms.run(c, thr, 300, agnostic),
              "seed " + seed + " agnostic " + agnostic + " iou " + thr);
        }
      }
    }
  }

  @Test
  void stopsAtMaxDetectionsKeepingTheBest() {
    Candidates c = randomBoxes(7, 400);
    int[] ten = Nms.run(c, 0.45f, 10, false);
    assertEquals(10, ten.length);
    assertArrayEquals(Arrays.copyOf(Nms.run(c, 0.45f, 300, false), 10), ten);
  }

  @Test
  void classAwareKeepsOverlappingBoxesOfDifferentClasses() {
    Candidates c = new Candidates();
    c.add(0, 0, 10, 10, 0.9f, 0);
    c.add(0, 0, 10, 10, 0.8f, 1);
    c.add(1, 1, 10, 10, 0.7f, 0);
    assertArrayEquals(new int[] {0, 1}, Nms.run(c, 0.5f, 300, false));
    assertArrayEquals(new int[] {0}, Nms.run(c, 0.5f, 300, true));
  }
}
