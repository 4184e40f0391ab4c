package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadResolverTest {
  private static final Map<String, String> SIX = Map.of("names", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]");
  private static final Map<String, String> ULTRALYTICS = Map.of("author", "Ultralytics", "task", "detect",
      "stride", "32", "imgsz", "[320, 320]", "names", "{0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e', 5: 'f'}");

  private static HeadResolver.Resolution resolve(Map<String, String> props, HeadKind requested, long[]... shapes) {
    return HeadResolver.resolve(List.of(shapes), ModelMetadata.parse(props, Map.of(), "m.onnx"), props, requested,
        320, 320, "m.onnx");
  }

  @Test
  void rawYolov5OutputsGetStridesFromTheGridsAndDefaultAnchorsWithAWarning() {
    HeadResolver.Resolution r = resolve(SIX, null, new long[] {1, 33, 40, 40}, new long[] {1, 33, 20, 20},
        new long[] {1, 33, 10, 10});
    assertInstanceOf(AnchorHead.class, r.head());
    assertArrayEquals(new int[] {8, 16, 32}, r.metadata().strides());
    assertEquals(373f, r.metadata().anchors()[2][2][0]);
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("YOLOv5's defaults"), r.warnings().get(0));
  }

  @Test
  void ultralyticsDecodedOutputIsAnchorFreeAndNeedsNoStridesOrAnchors() {
    HeadResolver.Resolution r = resolve(ULTRALYTICS, null, new long[] {1, 10, 2100});
    assertEquals(HeadKind.ANCHOR_FREE, r.head().kind());
    assertEquals(6, r.head().numClasses());
    assertEquals(List.of("a", "b", "c", "d", "e", "f"), r.metadata().names());
    assertEquals(List.of(), r.warnings());
    assertTrue(r.reason().contains("[1, 10, 2100]"), r.reason());
  }

  @Test
  void yolov5DecodedOutputNeedsNoStridesOrAnchorsEither() {
    HeadResolver.Resolution r = resolve(Map.of("stride", "32"), null, new long[] {1, 6300, 11});
    assertEquals(HeadKind.YOLOV5_DECODED, r.head().kind());
    assertEquals(List.of("class0", "class1", "class2", "class3", "class4", "class5"), r.metadata().names());
    assertTrue(r.warnings().get(0).contains("class0..class5"), r.warnings().toString());
  }

  @Test
  void endToEndOutputIsChosenByMetadataOrByItsSixColumns() {
    Map<String, String> props = new java.util.HashMap<>(ULTRALYTICS);
    props.put("end2end", "True");
    assertEquals(HeadKind.END_TO_END, resolve(props, null, new long[] {1, 300, 6}).head().kind());
    assertEquals(HeadKind.END_TO_END, resolve(ULTRALYTICS, null, new long[] {1, 300, 6}).head().kind());
    assertTrue(!resolve(props, null, new long[] {1, 300, 6}).head().needsNms());
  }

  @Test
  void anchorFreeRawOutputsAreRecognisedForUltralyticsModels() {
    HeadResolver.Resolution r = resolve(ULTRALYTICS, null, new long[] {1, 70, 40, 40}, new long[] {1, 70, 20, 20},
        new long[] {1, 70, 10, 10});
    assertEquals(HeadKind.ANCHOR_FREE_RAW, r.head().kind());
    assertArrayEquals(new int[] {8, 16, 32}, r.metadata().strides());
  }

  @Test
  void aHeadLayoutInTheMetadataWinsOverTheShapeGuess() {
    // No names, 72 channels: 4·16 + 8 classes, or 3 anchors · (5 + 19) of a raw YOLOv5 head.
    Map<String, String> props = new java.util.HashMap<>();
    long[][] shapes = {{1, 72, 40, 40}, {1, 72, 20, 20}, {1, 72, 10, 10}};
    assertEquals(HeadKind.YOLOV5, resolve(props, null, shapes).head().kind(), "without it the shapes say YOLOv5");
    props.put("head_layout", "yolov8-raw");
    HeadResolver.Resolution r = resolve(props, null, shapes);
    assertEquals(HeadKind.ANCHOR_FREE_RAW, r.head().kind());
    assertEquals("from metadata head_layout=yolov8-raw", r.reason());
    assertEquals(8, r.head().numClasses());
    HeadResolver.Resolution pairs = resolve(props, null, new long[] {1, 64, 40, 40}, new long[] {1, 8, 40, 40},
        new long[] {1, 64, 20, 20}, new long[] {1, 8, 20, 20}, new long[] {1, 64, 10, 10}, new long[] {1, 8, 10, 10});
    assertEquals(8, pairs.head().numClasses(), "(box, classes) pairs: the class output's channels");
    assertArrayEquals(new int[] {8, 16, 32}, pairs.metadata().strides(), "one stride per pair");
    props.put("head_layout", "sideways");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> resolve(props, null, shapes));
    assertTrue(e.getMessage().contains("head_layout") && e.getMessage().contains("sideways"), e.getMessage());
  }

  @Test
  void theUsersChoiceWinsAndContradictionsAreErrors() {
    assertEquals(HeadKind.YOLOV5_DECODED, resolve(SIX, HeadKind.YOLOV5_DECODED, new long[] {1, 300, 11}).head().kind());
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> resolve(SIX, null, new long[] {1, 12, 2100}));
    assertTrue(e.getMessage().contains("metadata names 6 classes but the yolov8 head's output [1, 12, 2100] holds 8"),
        e.getMessage());
    Map<String, String> wrongStrides = new java.util.HashMap<>(SIX);
    wrongStrides.put("strides", "[8, 16, 64]");
    e = assertThrows(ModelFormatException.class, () -> resolve(wrongStrides, null, new long[] {1, 33, 40, 40},
        new long[] {1, 33, 20, 20}, new long[] {1, 33, 10, 10}));
    assertTrue(e.getMessage().contains("disagree with the output grids, which give [8, 16, 32]"), e.getMessage());
    e = assertThrows(ModelFormatException.class, () -> resolve(SIX, null, new long[] {1, 4}));
    assertTrue(e.getMessage().contains("--head"), e.getMessage());
    e = assertThrows(ModelFormatException.class, () -> resolve(Map.of(), HeadKind.END_TO_END, new long[] {1, 300, 6}));
    assertTrue(e.getMessage().contains("--meta 'names="), e.getMessage());
  }
}
