package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import org.junit.jupiter.api.Test;

class DetectParamsTest {
  @Test
  void optionsDefaultsAreDetectPyDefaults() {
    assertEquals(DetectParams.DEFAULTS, DetectorOptions.defaults().params());
    assertEquals(new DetectParams(0.5f, 0.7f, 10, true, new int[] {2}), DetectorOptions.builder().confThreshold(0.5f)
        .iouThreshold(0.7f).maxDetections(10).agnosticNms(true).classes(2).build().params());
  }

  @Test
  void paramsRoundTripThroughTheOptionsBuilder() {
    DetectParams p = new DetectParams(0.3f, 0.5f, 20, true, new int[] {0, 4});
    DetectorOptions o = DetectorOptions.builder().threads(2).params(p).build();
    assertEquals(p, o.params());
    assertEquals(2, o.threads());
    assertEquals(o.params(), o.toBuilder().build().params());
  }

  @Test
  void witherChangesOneThresholdOnly() {
    DetectParams p = DetectParams.DEFAULTS.withConf(0.6f);
    assertEquals(new DetectParams(0.6f, 0.45f, 300, false, null), p);
    assertEquals(0.25f, DetectParams.DEFAULTS.conf());
    assertArrayEquals(new int[] {1, 4}, p.withClasses(1, 4).classes());
    assertNull(p.withClasses().classes());
  }

  @Test
  void refusesThresholdsOutOfRangeNamingThem() {
    assertTrue(assertThrows(InvalidInputException.class, () -> DetectParams.DEFAULTS.withConf(1f)).getMessage()
        .contains("confidence threshold"));
    assertTrue(assertThrows(InvalidInputException.class, () -> DetectParams.DEFAULTS.withIou(0f)).getMessage()
        .contains("IoU threshold"));
    assertTrue(assertThrows(InvalidInputException.class, () -> DetectParams.DEFAULTS.withMaxDetections(0))
        .getMessage().contains("max detections"));
  }

  @Test
  void classesAreCopiedInAndOut() {
    int[] ids = {1, 2};
    DetectParams p = DetectParams.DEFAULTS.withClasses(ids);
    ids[0] = 7;
    p.classes()[1] = 7;
    assertArrayEquals(new int[] {1, 2}, p.classes());
  }
}
