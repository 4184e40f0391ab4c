package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracle is PyTorch: the same seeded YOLOv5-Lite-e model was exported twice by
 * tools/models/export_fixtures.py, once with raw head outputs and once with PyTorch's own decode
 * (sigmoid, grid, anchors) inside the graph, and run on the same input.
 */
class AnchorHeadTest {
  static final YoloHead HEAD = YoloHead.of(6, new int[] {8, 16, 32}, new float[][][] {
      {{10, 13}, {16, 30}, {33, 23}}, {{30, 61}, {62, 45}, {59, 119}}, {{116, 90}, {156, 198}, {373, 326}}});

  static Tensor fixture(String dir, String file) throws IOException {
    try (InputStream in = AnchorHeadTest.class.getResourceAsStream("/fixtures/" + dir + "/" + file)) {
      return Npy.read(in.readAllBytes(), file);
    }
  }

  static List<Tensor> rawOutputs() throws IOException {
    List<Tensor> raw = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      raw.add(fixture("yolov5lite_e-training-torchscript11-raw", "output_" + i + ".npy"));
    }
    return raw;
  }

  static Tensor decodedOutput() throws IOException {
    return fixture("yolov5lite_e-default-torchscript11-decoded", "output_0.npy");
  }

  private static void assertClose(float expected, float actual, String what) {
    float tol = 1e-3f + 1e-4f * Math.abs(expected);
    assertTrue(Math.abs(expected - actual) <= tol, what + ": expected " + expected + ", got " + actual);
  }

  @Test
  void rawDecodeMatchesPyTorchDecodeForEveryAnchor() throws IOException {
    Candidates c = new AnchorHead(HEAD).decode(rawOutputs(), 0f, null);
    float[] rows = decodedOutput().data();
    int no = HEAD.outputsPerAnchor();
    assertEquals(rows.length / no, c.size(), "every anchor is a candidate at conf 0");
    for (int r = 0; r < c.size(); r++) {
      int off = r * no;
      float cx = rows[off], cy = rows[off + 1], w = rows[off + 2], h = rows[off + 3];
      int best = 0;
      for (int k = 1; k < 6; k++) {
        if (rows[off + 5 + k] > rows[off + 5 + best]) {
          best = k;
        }
      }
      assertClose(cx - w / 2, c.x1[r], "x1 of anchor row " + r);
      assertClose(cy - h / 2, c.y1[r], "y1 of anchor row " + r);
      assertClose(cx + w / 2, c.x2[r], "x2 of anchor row " + r);
      assertClose(cy + h / 2, c.y2[r], "y2 of anchor row " + r);
      assertClose(rows[off + 4] * rows[off + 5 + best], c.score[r], "score of anchor row " + r);
      assertEquals(best, c.classId[r], "class of anchor row " + r);
    }
  }

  @Test
  void logitShortcutKeepsExactlyTheAnchorsAboveThreshold() throws IOException {
    AnchorHead d = new AnchorHead(HEAD);
    DecodedAnchorHead decoded = new DecodedAnchorHead(6);
    Candidates all = d.decode(rawOutputs(), 0f, null);
    for (float conf : new float[] {0.25f, 0.3f, 0.4f}) {
      Candidates kept = d.decode(rawOutputs(), conf, null);
      int expected = 0;
      for (int i = 0; i < all.size(); i++) {
        if (all.score[i] > conf) {
          expected++;
        }
      }
      assertEquals(expected, kept.size(), "conf " + conf);
      assertTrue(kept.size() > 0 && kept.size() < all.size(), "threshold " + conf + " must be selective here");
      Candidates fromDecoded = decoded.decode(List.of(decodedOutput()), conf, null);
      assertTrue(Math.abs(fromDecoded.size() - kept.size()) <= 2,
          "decoded-head path agrees up to borderline scores: " + fromDecoded.size() + " vs " + kept.size());
    }
  }

  @Test
  void classFilterRestrictsTheBestClassSearch() throws IOException {
    boolean[] onlyTwo = new boolean[6];
    onlyTwo[2] = true;
    Candidates c = new AnchorHead(HEAD).decode(rawOutputs(), 0.1f, onlyTwo);
    assertTrue(c.size() > 0);
    for (int i = 0; i < c.size(); i++) {
      assertEquals(2, c.classId[i]);
    }
  }

  @Test
  void rejectsOutputsThatDoNotFitTheHead() throws IOException {
    List<Tensor> two = rawOutputs().subList(0, 2);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> new AnchorHead(HEAD).decode(two, 0.25f, null));
    assertTrue(e.getMessage().contains("2 outputs but its head has 3 scales"), e.getMessage());
    YoloHead eighty = YoloHead.of(80, new int[] {8, 16, 32}, new float[][][] {{{1, 1}}, {{1, 1}}, {{1, 1}}});
    e = assertThrows(InvalidInputException.class, () -> new AnchorHead(eighty).decode(rawOutputs(), 0.25f, null));
    assertTrue(e.getMessage().contains("expected [1, 85, H, W]"), e.getMessage());
  }

  @Test
  void logitIsTheInverseOfSigmoid() {
    for (float p : new float[] {0.01f, 0.25f, 0.5f, 0.9f}) {
      assertEquals(p, Logits.sigmoid(Logits.logit(p)), 1e-6f);
    }
    assertEquals(Float.NEGATIVE_INFINITY, Logits.logit(0f));
  }
}
