package dev.reparo.format.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

class NcnnParamTest {
  private static final String CONV_RELU = """
      7767517
      3 3
      Input            in0     0 1 in0 0=4 1=3 2=2
      Convolution      conv0   1 1 in0 c0 0=5 1=3 4=1 5=1 6=90 -23310=2,1.5e0,2
      ReLU             relu0   1 1 c0 out0
      """;

  @Test
  void parsesLayersBlobsAndParameters() {
    NcnnParam p = NcnnParam.parse(CONV_RELU, "net.param");
    assertEquals(3, p.layers().size());
    assertEquals(3, p.blobCount());
    NcnnParam.Layer conv = p.layers().get(1);
    assertEquals("Convolution", conv.type());
    assertEquals(List.of("in0"), conv.bottoms());
    assertEquals(List.of("c0"), conv.tops());
    assertEquals(5, conv.intParam(0, 0));
    assertEquals(90, conv.intParam(6, 0));
    assertEquals(7, conv.intParam(8, 7));
    assertArrayEquals(new float[] {1.5f, 2f}, conv.arrayParam(10));
    assertEquals(List.of("in0"), p.inputs().stream().map(NcnnParam.Layer::name).toList());
    assertEquals(List.of("out0"), p.unconsumedBlobs());
  }

  @Test
  void rejectsWrongMagicNamingFileAndLine() {
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnParam.parse(CONV_RELU.replace("7767517", "7767518"), "bad.param"));
    assertTrue(e.getMessage().startsWith("bad.param:1:"), e.getMessage());
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void rejectsLayerCountThatLies() {
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnParam.parse(CONV_RELU.replace("3 3", "4 3"), "lie.param"));
    assertTrue(e.getMessage().contains("declares 4 layers but has 3"), e.getMessage());
  }

  @Test
  void rejectsBlobCountThatLies() {
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnParam.parse(CONV_RELU.replace("3 3", "3 9"), "lie.param"));
    assertTrue(e.getMessage().contains("declares 9 blobs"), e.getMessage());
  }

  @Test
  void rejectsBlobReadBeforeItIsProduced() {
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnParam.parse(CONV_RELU.replace("1 1 c0 out0", "1 1 cX out0"), "x.param"));
    assertTrue(e.getMessage().startsWith("x.param:5:"), e.getMessage());
    assertTrue(e.getMessage().contains("'cX'"), e.getMessage());
  }

  @Test
  void rejectsArrayWhoseLengthLies() {
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnParam.parse(CONV_RELU.replace("-23310=2,1.5e0,2", "-23310=3,1.5e0,2"), "a.param"));
    assertTrue(e.getMessage().contains("declares 3 values but has 2"), e.getMessage());
  }

  @Test
  void rejectsTruncatedLayerLine() {
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnParam.parse(CONV_RELU.replace("ReLU             relu0   1 1 c0 out0", "ReLU relu0 1 1 c0"),
            "t.param"));
    assertTrue(e.getMessage().contains("names only 1 blobs"), e.getMessage());
  }
}
