package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTableTest {
  static CalibrationTable sample() {
    Map<String, float[]> w = new LinkedHashMap<>();
    w.put("conv_0", new float[] {127.5f, 3.0517578E-5f, 0f});
    w.put("fc", new float[] {1234567.9f});
    Map<String, Float> in = new LinkedHashMap<>();
    in.put("conv_0", 63.123456f);
    in.put("fc", 1.0E-7f);
    return new CalibrationTable(w, in);
  }

  @Test
  void writesNcnnLayoutWeightsFirstThenInputs() {
    String text = sample().format();
    assertEquals("conv_0_param_0 127.5 3.0517578E-5 0.0\nfc_param_0 1234567.9\nconv_0 63.123455\nfc 1.0E-7\n", text);
  }

  @Test
  void roundTripsExactlyThroughAFile(@TempDir Path dir) throws Exception {
    CalibrationTable t = sample();
    t.write(dir.resolve("m.table"));
    CalibrationTable back = CalibrationTable.read(dir.resolve("m.table"));
    assertEquals(t, back);
    assertArrayEquals(t.weightScales("conv_0"), back.weightScales("conv_0"));
    assertTrue(back.quantizes("fc"));
  }

  @Test
  void readsTablesAsNcnn2tableWritesThem() {
    // ncnn2table prints "%f " with a trailing space, and may add multi-weight entries
    String ncnn = "conv1_param_0 12.345678 0.000000 \nmha_param_1 1.0 \nconv1 45.678901 \n";
    CalibrationTable t = CalibrationTable.parse(ncnn, "x.table");
    assertArrayEquals(new float[] {12.345678f, 0f}, t.weightScales("conv1"));
    assertEquals(45.678901f, t.inputScale("conv1"));
    assertNull(t.weightScales("mha"));
  }

  @Test
  void withoutKeepsLayersInFp32() {
    CalibrationTable t = sample().without(List.of("fc"));
    assertTrue(t.quantizes("conv_0"));
    assertTrue(!t.quantizes("fc"));
  }

  @Test
  void malformedLinesNameTheirSource() {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> CalibrationTable.parse("a_param_0 1 2\nconv x\n", "bad.table"));
    assertTrue(e.getMessage().startsWith("bad.table:2:"), e.getMessage());
    assertThrows(ModelFormatException.class, () -> CalibrationTable.parse("conv\n", "t"));
    assertThrows(ModelFormatException.class, () -> CalibrationTable.parse("conv 1 2\n", "t"));
    assertThrows(ModelFormatException.class, () -> CalibrationTable.parse("conv 0\n", "t"));
    assertThrows(ModelFormatException.class, () -> CalibrationTable.parse("conv -1\n", "t"));
    assertThrows(ModelFormatException.class, () -> CalibrationTable.parse("conv NaN\n", "t"));
  }
}
