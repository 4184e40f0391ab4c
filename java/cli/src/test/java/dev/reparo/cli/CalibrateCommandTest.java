package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Progress;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.quant.CalibrationTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrateCommandTest {
  @Test
  void helpTeachesWeightScalingAndMixedPrecision() {
    ReparoCliTest.Result r = ReparoCliTest.run("help", "calibrate");
    assertEquals(0, r.code(), r.err());
    for (String s : List.of("--[no-]per-channel", "--[no-]mixed", "--target=COSINE", "mixed.json", "default 0.9998",
        "default auto", "--[no-]estimate")) {
      assertTrue(r.out().contains(s), s + " in\n" + r.out());
    }
  }

  @Test
  void targetWithoutMixedAndOutOfRangeTargetsAreUsageErrors(@TempDir Path dir) {
    ReparoCliTest.Result r = ReparoCliTest.run("calibrate", "-m", "x.onnx", "--images", dir.toString(), "--target",
        "0.9", "--no-mixed", "--out", dir.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--no-mixed turns off"), r.err());
    r = ReparoCliTest.run("calibrate", "-m", "x.onnx", "--images", dir.toString(), "--mixed", "--target", "1.2",
        "--out", dir.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("[0, 1]"), r.err());
  }

  @Test
  void mixedPerTensorCalibrationKeepsLayersInFp32AndReportsThem(@TempDir Path dir) throws Exception {
    new SyntheticDataset(3).write(dir.resolve("data"), 3, Progress.NONE);
    Path out = dir.resolve("mixed");
    // A small model (7 convolutions at 64x64) keeps the search cheap.
    List<String> args = new ArrayList<>(List.of("calibrate", "-m",
        DetectAndEvalCommandTest.FIXTURES.resolve("repvgg_stack-default-torchscript13/model.onnx").toString(),
        "--images", dir.resolve("data/images").toString(), "--count", "3", "--method", "minmax",
        "--no-per-channel", "--mixed", "--target", "0.999", "--threads", "2", "--out", out.toString(),
        "--meta", "names=[\"a\"]", "--meta", "strides=[8]", "--meta", "anchors=[[10,13]]"));
    ReparoCliTest.Result r = ReparoCliTest.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    System.out.println(r.out());
    assertTrue(r.out().contains("per-tensor weights"), r.out());
    assertTrue(r.out().contains("layer kept in FP32"), r.out());
    assertTrue(r.err().contains("sensitivity"), "progress bar: " + r.err());
    // the fixture keeps its 4 BatchNorms: calibrate compares the images with their statistics
    assertTrue(r.out().contains("Training-distribution check on 3 calibration images (BatchNorm inputs of the"
        + " training-form model vs their running statistics, 4 layers)"), r.out());
    JsonNode mixed = new ObjectMapper().readTree(out.resolve("mixed.json").toFile());
    int kept = mixed.get("kept_fp32").size();
    assertTrue(kept >= 1 && mixed.get("int8_layers").asInt() >= 1, mixed.toString());
    // the stem and the grouped layers ncnn gets wrong in int8 are FP32 before the search starts
    assertTrue(mixed.get("reached").asBoolean() && mixed.get("cosine").asDouble() >= 0.999, mixed.toString());
    assertTrue(mixed.get("all_int8_cosine").asDouble() < 0.999, mixed.toString());
    for (JsonNode k : mixed.get("kept_fp32")) {
      assertTrue(r.out().contains(k.get("layer").asText()), k + " printed");
    }
    CalibrationTable table = CalibrationTable.read(out.resolve("model.table"));
    assertEquals(mixed.get("int8_layers").asInt(), table.inputScales().size());
    for (String layer : table.weightLayers()) {
      float[] s = table.weightScales(layer);
      for (float v : s) {
        assertEquals(s[0], v, 0, layer + ": per-tensor");
      }
    }
    assertTrue(Files.isRegularFile(out.resolve("model.qdq.onnx")));
  }

  @Test
  void theStemStaysFp32UnlessInt8StemIsGiven(@TempDir Path dir) throws Exception {
    new SyntheticDataset(3).write(dir.resolve("data"), 2, Progress.NONE);
    Path model = DetectAndEvalCommandTest.FIXTURES.resolve("repvgg_stack-default-torchscript13/model.onnx");
    java.util.Map<Boolean, CalibrationTable> tables = new java.util.HashMap<>();
    String stem = null;
    for (boolean int8Stem : new boolean[] {false, true}) {
      Path out = dir.resolve("int8-" + int8Stem);
      List<String> args = new ArrayList<>(List.of("calibrate", "-m", model.toString(), "--images",
          dir.resolve("data/images").toString(), "--count", "2", "--method", "minmax", "--no-mixed", "--out",
          out.toString(),
          "--meta", "names=[\"a\"]", "--meta", "strides=[8]", "--meta", "anchors=[[10,13]]"));
      if (int8Stem) {
        args.add("--int8-stem");
      }
      ReparoCliTest.Result r = ReparoCliTest.run(args.toArray(String[]::new));
      assertEquals(0, r.code(), r.err());
      if (!int8Stem) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kept in FP32 \\(the stem: (\\S+);").matcher(r.out());
        assertTrue(m.find(), r.out());
        stem = m.group(1);
      } else {
        assertTrue(!r.out().contains("(the stem:"), r.out());
      }
      tables.put(int8Stem, CalibrationTable.read(out.resolve("model.table")));
    }
    assertTrue(!tables.get(false).quantizes(stem), stem + " quantized by default");
    assertTrue(tables.get(true).quantizes(stem), stem + " not quantized with --int8-stem");
    assertEquals(tables.get(true).inputScales().size() - 1, tables.get(false).inputScales().size());
  }

  @Test
  void depthwiseLayersStayFp32UnlessInt8DepthwiseIsGiven(@TempDir Path dir) throws Exception {
    new SyntheticDataset(3).write(dir.resolve("data"), 2, Progress.NONE);
    // ShuffleNetV2 stem and two stages at 64x64: 1x1 convolutions around depth-wise 3x3 ones
    Path model = DetectAndEvalCommandTest.FIXTURES.resolve("shufflenetv2_backbone-default-torchscript11/model.onnx");
    java.util.Map<Boolean, CalibrationTable> tables = new java.util.HashMap<>();
    int depthwise = 0;
    for (boolean int8Depthwise : new boolean[] {false, true}) {
      Path out = dir.resolve("int8-" + int8Depthwise);
      List<String> args = new ArrayList<>(List.of("calibrate", "-m", model.toString(), "--images",
          dir.resolve("data/images").toString(), "--count", "2", "--method", "minmax", "--no-mixed", "--no-estimate",
          "--out", out.toString()));
      if (int8Depthwise) {
        args.add("--int8-depthwise");
      }
      ReparoCliTest.Result r = ReparoCliTest.run(args.toArray(String[]::new));
      assertEquals(0, r.code(), r.err());
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+) depth-wise; --int8-depthwise").matcher(r.out());
      if (!int8Depthwise) {
        assertTrue(m.find(), r.out());
        depthwise = Integer.parseInt(m.group(1));
      } else {
        assertFalse(m.find(), r.out());
      }
      tables.put(int8Depthwise, CalibrationTable.read(out.resolve("model.table")));
      // ncnn's int8 layers carry int8_scale_term (param 8); the depth-wise ones only with the flag
      for (String line : Files.readAllLines(out.resolve("model.param"))) {
        if (line.startsWith("ConvolutionDepthWise")) {
          assertEquals(int8Depthwise, line.contains(" 8="), line);
        }
      }
    }
    assertTrue(depthwise >= 5, "the fixture's depth-wise layers: " + depthwise);
    assertEquals(tables.get(true).inputScales().size() - depthwise, tables.get(false).inputScales().size());
  }

  /**
   * Defaults: auto + mixed precision, the few-images warning below the minimum and not from it, the
   * held-back estimate (1/5 of the images from 40 on, else on the calibration images, so labelled).
   */
  @Test
  void defaultsWarnBelowTheMinimumAndPrintTheEstimate(@TempDir Path dir) throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), CalibrateCommand.MIN_FOR_HOLD_BACK, Progress.NONE);
    Path model = DetectAndEvalCommandTest.FIXTURES.resolve("repvgg_stack-default-torchscript13/model.onnx");
    java.util.function.BiFunction<Integer, String, ReparoCliTest.Result> calibrate = (count, out) ->
        ReparoCliTest.run("calibrate", "-m", model.toString(), "--images", dir.resolve("data/images").toString(),
            "--count", count.toString(), "--threads", "2", "--out", dir.resolve(out).toString(),
            // 8 anchors x (5 + 1 class) = the fixture's 48 channels: a head that decodes, for the estimate
            "--meta", "names=[\"a\"]", "--meta", "strides=[4]",
            "--meta", "anchors=[[10,13,16,30,33,23,30,61,62,45,59,119,116,90,156,198]]");
    int below = CalibrateCommand.MIN_IMAGES - 1;
    ReparoCliTest.Result few = calibrate.apply(below, "few");
    assertEquals(0, few.code(), few.err());
    assertTrue(few.err().contains("warning: calibrating on " + below + " images; below " + CalibrateCommand.MIN_IMAGES
        + " the int8 model"), few.err());
    assertTrue(few.out().contains("with auto,"), few.out());
    assertTrue(few.out().contains("chosen") && few.out().contains("aciq alone"), few.out());
    assertTrue(!few.out().contains("NaN"), "the head decodes, so the agreement is measured: " + few.out());
    assertTrue(Files.isRegularFile(dir.resolve("few").resolve(CalibrateCommand.MIXED_JSON)), "mixed by default");
    assertTrue(few.out().contains("on " + below + " calibration images (too few to hold any back: optimistic)")
        || few.out().contains("FP32 detects nothing"), few.out());

    ReparoCliTest.Result enough = calibrate.apply(CalibrateCommand.MIN_FOR_HOLD_BACK, "enough");
    assertEquals(0, enough.code(), enough.err());
    int held = CalibrateCommand.MIN_FOR_HOLD_BACK / 5;
    assertTrue(CalibrateCommand.MIN_FOR_HOLD_BACK - held >= CalibrateCommand.MIN_IMAGES, "the test's premise");
    assertTrue(!enough.err().contains("warning: calibrating on"), enough.err());
    // every layer int8: the thresholds alone carry the accuracy, the minimum is higher
    ReparoCliTest.Result allInt8 = ReparoCliTest.run("calibrate", "-m", model.toString(), "--images",
        dir.resolve("data/images").toString(), "--count", "40", "--no-mixed", "--no-estimate", "--method", "minmax",
        "--out", dir.resolve("all-int8").toString(), "--meta", "names=[\"a\"]", "--meta", "strides=[4]",
        "--meta", "anchors=[[10,13,16,30,33,23,30,61,62,45,59,119,116,90,156,198]]");
    assertEquals(0, allInt8.code(), allInt8.err());
    assertTrue(allInt8.err().contains("warning: calibrating on 40 images; below "
        + CalibrateCommand.MIN_IMAGES_ALL_INT8 + " with --no-mixed"), allInt8.err());
    assertTrue(!allInt8.out().contains("Estimated accuracy"), "--no-estimate: " + allInt8.out());
    assertTrue(enough.out().contains("on " + (CalibrateCommand.MIN_FOR_HOLD_BACK - held) + " images (0 skipped, "
        + held + " more held back for the estimate)"), enough.out());
    assertTrue(enough.out().contains(held + " held-back calibration images")
        || enough.out().contains("FP32 detects nothing"), enough.out());
  }

  @Test
  void aFolderWithNothingReadableFailsAndWritesNothing(@TempDir Path dir) throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.writeString(images.resolve("a.jpg"), "not a JPEG");
    Files.writeString(images.resolve("b.png"), "not a PNG");
    Path out = dir.resolve("int8");
    ReparoCliTest.Result r = ReparoCliTest.run("calibrate", "-m",
        DetectAndEvalCommandTest.FIXTURES.resolve("repvgg_stack-default-torchscript13/model.onnx").toString(),
        "--images", images.toString(), "--method", "minmax", "--out", out.toString(),
        "--meta", "names=[\"a\"]", "--meta", "strides=[8]", "--meta", "anchors=[[10,13]]");
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("none of the 2 calibration images could be decoded"), r.err());
    assertTrue(!Files.exists(out), "no output directory for a failed calibration");
  }
}
