package dev.reparo.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelMetadataTest {
  private static final Map<String, String> DEMO = Map.of(
      "names", "[\"circle\", \"square\"]",
      "strides", "[8, 16, 32]",
      "anchors", "[[10,13, 16,30, 33,23], [30,61, 62,45, 59,119], [116,90, 156,198, 373,326]]",
      "input_size", "[320, 256]");

  @Test
  void readsJsonValuesWithDefaults() {
    ModelMetadata m = ModelMetadata.parse(DEMO, Map.of(), "demo.onnx");
    assertEquals(List.of("circle", "square"), m.names());
    assertArrayEquals(new int[] {8, 16, 32}, m.strides());
    assertEquals(373f, m.anchors()[2][2][0]);
    assertEquals(326f, m.anchors()[2][2][1]);
    assertEquals(320, m.inputHeight());
    assertEquals(256, m.inputWidth());
    assertEquals(114f, m.letterboxFill());
    assertEquals(1f / 255, m.scale());
    assertTrue(m.rgb());
  }

  @Test
  void roundTripsThroughProperties() {
    ModelMetadata m = ModelMetadata.parse(DEMO, Map.of(), "demo.onnx");
    ModelMetadata back = ModelMetadata.parse(m.toProperties(), Map.of(), "again");
    assertEquals(m.names(), back.names());
    assertArrayEquals(m.strides(), back.strides());
    assertEquals(m.anchors()[1][0][1], back.anchors()[1][0][1]);
    assertEquals(m.inputWidth(), back.inputWidth());
    assertEquals(m.scale(), back.scale());
  }

  @Test
  void acceptsUltralyticsNamesAndOverrides() {
    Map<String, String> props = new java.util.HashMap<>(DEMO);
    props.put("names", "{0: 'person', 1: \"bicycle\", 2: 'car'}");
    ModelMetadata m = ModelMetadata.parse(props, Map.of("input_size", "416"), "yolo.onnx");
    assertEquals(List.of("person", "bicycle", "car"), m.names());
    assertEquals(416, m.inputHeight());
    assertEquals(416, m.inputWidth());
  }

  @Test
  void headKeysMayBeAbsentAndUltralyticsImgszIsRead() {
    ModelMetadata m = ModelMetadata.parse(Map.of("imgsz", "[320, 256]", "stride", "32"), Map.of(), "m.onnx");
    assertEquals(List.of(), m.names());
    assertEquals(0, m.strides().length);
    assertEquals(0, m.anchors().length);
    assertEquals(320, m.inputHeight());
    assertEquals(256, m.inputWidth());
  }

  @Test
  void badKeysNameTheKey() {
    ModelFormatException e;
    e = assertThrows(ModelFormatException.class,
        () -> ModelMetadata.parse(DEMO, Map.of("anchors", "[[10,13,16]]"), "m.onnx"));
    assertTrue(e.getMessage().contains("one entry per stride (3)"), e.getMessage());
    e = assertThrows(ModelFormatException.class,
        () -> ModelMetadata.parse(DEMO, Map.of("strides", "[8, x]"), "m.onnx"));
    assertTrue(e.getMessage().contains("'strides' is not valid JSON"), e.getMessage());
  }

  @Test
  void normalisationWithMeanAndStdBecomesPixelMeanAndNorm() {
    Map<String, String> props = new java.util.HashMap<>(DEMO);
    props.put("normalization", "{\"scale\": 0.00392156862745098, \"mean\": [0.485, 0.456, 0.406], "
        + "\"std\": [0.229, 0.224, 0.225], \"channels\": \"BGR\"}");
    ModelMetadata m = ModelMetadata.parse(props, Map.of(), "imagenet.onnx");
    assertTrue(!m.rgb());
    // (p·s − mean)/std == (p − mean/s)·(s/std) for any pixel value p
    for (int c = 0; c < 3; c++) {
      float p = 200f;
      float direct = (p * m.scale() - m.mean()[c]) / m.std()[c];
      float ncnnForm = (p - m.pixelMean()[c]) * m.pixelNorm()[c];
      assertEquals(direct, ncnnForm, 1e-5f);
    }
    props.put("normalization", "{\"std\": [1, 0, 1]}");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelMetadata.parse(props, Map.of(), "x"));
    assertTrue(e.getMessage().contains("std values must be positive"), e.getMessage());
  }
}
