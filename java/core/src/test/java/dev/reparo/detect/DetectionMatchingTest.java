package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.detect.DetectionMatching.Result;
import dev.reparo.detect.DetectionMatching.Tolerance;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionMatchingTest {
  static final Tolerance TOL = new Tolerance(0.9f, 0.01f, 0.25f);

  static Detection det(float x, float y, float score, int cls) {
    return new Detection(x, y, x + 40, y + 40, score, cls, "c" + cls);
  }

  @Test
  void matchesWhateverTheOrder() {
    List<Detection> a = List.of(det(0, 0, 0.90f, 1), det(100, 100, 0.899f, 2), det(200, 0, 0.5f, 1));
    List<Detection> b = List.of(det(200.5f, 0, 0.505f, 1), det(100, 100.3f, 0.9f, 2), det(0, 0, 0.897f, 1));
    Result r = DetectionMatching.compare(a, b, TOL);
    assertTrue(r.same(), r.describe());
    assertEquals(3, r.matched().size());
    assertEquals(0.005f, r.worstScoreDifference(), 1e-6f);
    assertTrue(r.worstIou() < 1 && r.worstIou() > 0.95f, r.describe());
  }

  @Test
  void anotherClassOrAFarScoreOrAShiftedBoxIsAMismatch() {
    Detection ref = det(0, 0, 0.8f, 1);
    assertFalse(DetectionMatching.compare(List.of(ref), List.of(det(0, 0, 0.8f, 2)), TOL).same());
    assertFalse(DetectionMatching.compare(List.of(ref), List.of(det(0, 0, 0.78f, 1)), TOL).same());
    Result shifted = DetectionMatching.compare(List.of(ref), List.of(det(4, 0, 0.8f, 1)), TOL);
    assertFalse(shifted.same());
    assertEquals(1, shifted.unmatchedReference().size());
    assertEquals(1, shifted.unmatchedCandidate().size());
    assertTrue(shifted.describe().contains("reference only"), shifted.describe());
  }

  @Test
  void aDetectionAtTheThresholdMayBeMissingOnOneSide() {
    // Scored 0.255 here and 0.245 there: one side kept it at --conf 0.25, the other did not.
    Result r = DetectionMatching.compare(List.of(det(0, 0, 0.9f, 1), det(100, 0, 0.255f, 3)),
        List.of(det(0, 0, 0.9f, 1)), TOL);
    assertTrue(r.same(), r.describe());
    assertEquals(1, r.borderline().size());
    Result extra = DetectionMatching.compare(List.of(), List.of(det(0, 0, 0.27f, 1)), TOL);
    assertFalse(extra.same(), "0.27 is further than 0.01 from the threshold");
  }

  @Test
  void eachCandidateServesOneReference() {
    Result r = DetectionMatching.compare(List.of(det(0, 0, 0.9f, 1), det(0, 0, 0.9f, 1)),
        List.of(det(0, 0, 0.9f, 1)), TOL);
    assertEquals(1, r.matched().size());
    assertEquals(1, r.unmatchedReference().size());
  }

  @Test
  void refusesNonsenseTolerances() {
    assertThrows(IllegalArgumentException.class, () -> new Tolerance(0f, 0.01f, 0.25f));
    assertThrows(IllegalArgumentException.class, () -> new Tolerance(0.5f, -1f, 0.25f));
  }
}
