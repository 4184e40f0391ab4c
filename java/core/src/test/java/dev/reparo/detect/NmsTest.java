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

  @Test
  void edgeCases() {
    assertEquals(0, Nms.run(new Candidates(), 0.45f, 300, false).length, "no boxes");

    Candidates ties = new Candidates();
    ties.add(0, 0, 10, 10, 0.5f, 0);
    ties.add(1, 1, 11, 11, 0.5f, 0);
    ties.add(50, 50, 60, 60, 0.5f, 0);
    assertArrayEquals(new int[] {0, 2}, Nms.run(ties, 0.45f, 300, false), "equal scores keep decoding order");

    Candidates degenerate = new Candidates();
    degenerate.add(5, 5, 5, 5, 0.9f, 0); // zero area
    degenerate.add(5, 5, 5, 5, 0.8f, 0);
    degenerate.add(0, 0, 10, 10, 0.7f, 0);
    assertArrayEquals(new int[] {0, 1, 2}, Nms.run(degenerate, 0.45f, 300, false),
        "zero-area boxes overlap nothing, so nothing suppresses them or by them");

    Candidates sameClass = new Candidates();
    for (int i = 0; i < 50; i++) {
      sameClass.add(i, 0, i + 10, 10, 1f - i / 100f, 3);
    }
    int[] kept = Nms.run(sameClass, 0.45f, 300, true);
    assertArrayEquals(kept, Nms.run(sameClass, 0.45f, 300, false), "one class: agnostic makes no difference");
    assertArrayEquals(reference(sameClass, 0.45f, 300, false), kept);
  }
}
