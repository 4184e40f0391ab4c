package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracle is Ultralytics' own head in PyTorch: tools/real/ultralytics_fixtures.py saved, for one
 * trained YOLOv8 model and one input, the decoded output {@code [1, 4+C, N]} that {@code yolo export}
 * produces and the same head's raw per-scale outputs before its decode (box distributions and
 * class logits).
 */
class AnchorFreeHeadTest {
  static final String FIXTURE = "ultralytics_yolov8t-default-onnx18";

  static Tensor fixture(String file) throws IOException {
    try (InputStream in = AnchorFreeHeadTest.class.getResourceAsStream("/fixtures/" + FIXTURE + "/" + file)) {
      return Npy.read(in.readAllBytes(), file);
    }
  }

  static List<Tensor> raw() throws IOException {
    List<Tensor> raw = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      raw.add(fixture("raw_" + i + ".npy"));
    }
    return raw;
  }

  @Test
  void decodedOutputGivesUltralyticsBoxesAndScores() throws IOException {
    Tensor out = fixture("output_0.npy");
    int n = out.shape()[2];
    Candidates c = new AnchorFreeHead(6).decode(List.of(out), 0f, null);
    assertEquals(n, c.size(), "every anchor is a candidate at conf 0");
    float[] d = out.data();
    for (int a = 0; a < n; a += 97) {
      assertEquals(d[a] - d[2 * n + a] / 2, c.x1[a], 1e-4f);
      assertEquals(d[n + a] + d[3 * n + a] / 2, c.y2[a], 1e-4f);
      float best = 0;
      for (int k = 0; k < 6; k++) {
        best = Math.max(best, d[(4 + k) * n + a]);
      }
      assertEquals(best, c.score[a]);
    }
  }

  @Test
  void rawHeadDecodesDistributionsAsUltralyticsDoes() throws IOException {
    Candidates decoded = new AnchorFreeHead(6).decode(List.of(fixture("output_0.npy")), 0f, null);
    Candidates raw = new AnchorFreeRawHead(6, new int[] {8, 16, 32}).decode(raw(), 0f, null);
    assertEquals(decoded.size(), raw.size());
    double worstBox = 0;
    for (int a = 0; a < raw.size(); a++) {
      worstBox = Math.max(worstBox, Math.abs(decoded.x1[a] - raw.x1[a]));
      worstBox = Math.max(worstBox, Math.abs(decoded.y1[a] - raw.y1[a]));
      worstBox = Math.max(worstBox, Math.abs(decoded.x2[a] - raw.x2[a]));
      worstBox = Math.max(worstBox, Math.abs(decoded.y2[a] - raw.y2[a]));
      assertEquals(decoded.score[a], raw.score[a], 1e-5f, "score of anchor " + a);
      assertEquals(decoded.classId[a], raw.classId[a], "class of anchor " + a);
    }
    assertTrue(worstBox < 2e-3, "box corners within 2e-3 px of PyTorch's decode, worst " + worstBox);
  }

  @Test
  void boxAndClassOutputsAsPairsDecodeAsTheirConcatenation() throws IOException {
    List<Tensor> pairs = new ArrayList<>();
    for (Tensor t : raw()) {
      int h = t.dim(2);
      int w = t.dim(3);
      int boxValues = 64 * h * w;
      pairs.add(Tensor.of(java.util.Arrays.copyOfRange(t.data(), 0, boxValues), 1, 64, h, w));
      pairs.add(Tensor.of(java.util.Arrays.copyOfRange(t.data(), boxValues, t.size()), 1, 6, h, w));
    }
    AnchorFreeRawHead head = new AnchorFreeRawHead(6, new int[] {8, 16, 32});
    Candidates whole = head.decode(raw(), 0.01f, null);
    Candidates split = head.decode(pairs, 0.01f, null);
    assertTrue(whole.size() > 10, "candidates to compare: " + whole.size());
    assertEquals(whole.size(), split.size());
    for (int i = 0; i < whole.size(); i++) {
      assertEquals(whole.x1[i], split.x1[i]);
      assertEquals(whole.y2[i], split.y2[i]);
      assertEquals(whole.score[i], split.score[i]);
      assertEquals(whole.classId[i], split.classId[i]);
    }
  }

  @Test
  void logitThresholdKeepsExactlyTheAnchorsAboveConf() throws IOException {
    Candidates all = new AnchorFreeHead(6).decode(List.of(fixture("output_0.npy")), 0f, null);
    for (float conf : new float[] {0.05f, 0.25f, 0.5f}) {
      int expected = 0;
      for (int i = 0; i < all.size(); i++) {
        expected += all.score[i] > conf ? 1 : 0;
      }
      Candidates kept = new AnchorFreeRawHead(6, new int[] {8, 16, 32}).decode(raw(), conf, null);
      assertTrue(Math.abs(expected - kept.size()) <= 1, "conf " + conf + ": " + kept.size() + " vs " + expected);
    }
  }
}
