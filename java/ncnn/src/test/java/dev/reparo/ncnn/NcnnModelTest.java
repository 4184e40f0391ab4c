package dev.reparo.ncnn;

import static dev.reparo.ncnn.HandWrittenModel.blobs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real ncnn inference on hand-written models, checked against {@link Reference} in float64. */
class NcnnModelTest {
  private static final int H = 7;
  private static final int W = 6;

  /** in0 -> Split -> {3x3 Convolution + bias, 3x3 ConvolutionDepthWise + bias} -> Eltwise sum -> ReLU. */
  private record TwoBranch(HandWrittenModel model, Tensor input, double[][][] expected) {
    static TwoBranch make(int c, long seed) {
      Random rng = new Random(seed);
      float[] convW = Reference.random(rng, c * c * 9);
      float[] convB = Reference.random(rng, c);
      float[] dwW = Reference.random(rng, c * 9);
      float[] dwB = Reference.random(rng, c);
      HandWrittenModel m = new HandWrittenModel()
          .layer("Input", "in0", blobs(), blobs("in0"), "0=" + W + " 1=" + H + " 2=" + c)
          .layer("Split", "split0", blobs("in0"), blobs("in0_a", "in0_b"), "")
          .layer("Convolution", "conv0", blobs("in0_a"), blobs("c0"),
              "0=" + c + " 1=3 3=1 4=1 5=1 6=" + c * c * 9)
          .weights(convW).raw(convB)
          .layer("ConvolutionDepthWise", "dw0", blobs("in0_b"), blobs("d0"),
              "0=" + c + " 1=3 3=1 4=1 5=1 6=" + c * 9 + " 7=" + c)
          .weights(dwW).raw(dwB)
          .layer("Eltwise", "add0", blobs("c0", "d0"), blobs("e0"), "0=1")
          .layer("ReLU", "relu0", blobs("e0"), blobs("out0"), "");
      Tensor x = Tensor.of(Reference.random(rng, c * H * W), 1, c, H, W);
      Tensor chw = x.reshape(c, H, W);
      double[][][] conv = Reference.conv(chw, convW, convB, c, 3, 1, 1, 1);
      double[][][] dw = Reference.conv(chw, dwW, dwB, c, 3, 1, 1, c);
      for (int o = 0; o < c; o++) {
        for (int i = 0; i < H; i++) {
          for (int j = 0; j < W; j++) {
            conv[o][i][j] = Math.max(0, conv[o][i][j] + dw[o][i][j]);
          }
        }
      }
      return new TwoBranch(m, x, conv);
    }

    NcnnModel load(NcnnOptions options) {
      return NcnnModel.load(model.param(), model.bin(), "two-branch", options);
    }
  }

  @ParameterizedTest(name = "channels={0} threads={1} packing={2}")
  @CsvSource({"3, 1, true", "16, 1, true", "16, 2, true", "16, 1, false"})
  void convDepthwiseEltwiseReluMatchFloat64Reference(int channels, int threads, boolean packing) {
    TwoBranch t = TwoBranch.make(channels, 42 + channels);
    try (NcnnModel model = t.load(NcnnOptions.builder().threads(threads).packing(packing).build())) {
      assertEquals(List.of("in0"), model.inputNames());
      assertEquals(List.of("out0"), model.outputNames());
      Map<String, Tensor> out = model.run(Map.of("in0", t.input()));
      Reference.assertClose(t.expected(), out.get("out0"), 1e-4);
    }
  }

  @Test
  void fp16StorageStaysWithinOneThousandth() {
    TwoBranch t = TwoBranch.make(16, 7);
    try (NcnnModel model = t.load(NcnnOptions.builder().fp16Storage(true).build())) {
      Reference.assertClose(t.expected(), model.run(Map.of("in0", t.input())).get("out0"), 1e-3);
    }
  }

  @Test
  void stridedConvolutionWithFusedReluMatchesReference() {
    Random rng = new Random(3);
    int c = 4;
    int out = 5;
    float[] w = Reference.random(rng, out * c * 9);
    HandWrittenModel m = new HandWrittenModel()
        .layer("Input", "in0", blobs(), blobs("in0"), "")
        .layer("Convolution", "conv0", blobs("in0"), blobs("out0"),
            "0=" + out + " 1=3 3=2 4=0 5=0 6=" + w.length + " 9=1")
        .weights(w);
    Tensor x = Tensor.of(Reference.random(rng, c * 11 * 9), c, 11, 9);
    double[][][] expected = Reference.conv(x, w, null, out, 3, 2, 0, 1);
    for (double[][] plane : expected) {
      for (double[] row : plane) {
        for (int j = 0; j < row.length; j++) {
          row[j] = Math.max(0, row[j]);
        }
      }
    }
    try (NcnnModel model = NcnnModel.load(m.param(), m.bin(), "strided", NcnnOptions.defaults());
        NcnnSession session = model.newSession()) {
      Tensor y = session.input("in0", x).extract("out0");
      Reference.assertClose(expected, y, 1e-4);
    }
  }

  @Test
  void loadsFromFiles(@TempDir Path dir) throws Exception {
    TwoBranch t = TwoBranch.make(3, 1);
    Path param = Files.write(dir.resolve("m.param"), t.model().param());
    Path bin = Files.write(dir.resolve("m.bin"), t.model().bin());
    try (NcnnModel model = NcnnModel.load(param, bin)) {
      assertEquals(param.toString(), model.name());
      Reference.assertClose(t.expected(), model.run(Map.of("in0", t.input())).get("out0"), 1e-4);
    }
  }

  /** A weightless model shipped as classpath resources: ReLU with slope 0.5 on negatives. */
  @Test
  void loadsFromClasspathResources() {
    try (NcnnModel model = NcnnModel.fromResources("/models/leaky.param", "/models/leaky.bin",
        NcnnOptions.defaults())) {
      Tensor y = model.run(Map.of("in0", Tensor.of(new float[] {-4, -1, 0, 3}, 4))).get("out0");
      assertArrayEquals(new float[] {-2, -0.5f, 0, 3}, y.data());
    }
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnModel.fromResources("/models/none.param", "/models/none.bin", NcnnOptions.defaults()));
    assertTrue(e.getMessage().contains("/models/none.param"), e.getMessage());
  }

  @Test
  void truncatedBinIsRejectedNamingTheFile(@TempDir Path dir) throws Exception {
    TwoBranch t = TwoBranch.make(3, 1);
    byte[] bin = t.model().bin();
    Path param = Files.write(dir.resolve("m.param"), t.model().param());
    for (int keep : new int[] {0, 3, bin.length / 2, bin.length - 1}) {
      Path cut = Files.write(dir.resolve("cut.bin"), Arrays.copyOf(bin, keep));
      var e = assertThrows(ModelFormatException.class, () -> NcnnModel.load(param, cut));
      assertTrue(e.getMessage().contains("cut.bin") && e.getMessage().contains("truncated"), e.getMessage());
    }
  }

  @Test
  void binWithBytesLeftOverIsRejected() {
    TwoBranch t = TwoBranch.make(3, 1);
    byte[] bin = Arrays.copyOf(t.model().bin(), t.model().bin().length + 8);
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnModel.load(t.model().param(), bin, "long", NcnnOptions.defaults()));
    assertTrue(e.getMessage().contains("8 bytes left over"), e.getMessage());
  }

  @Test
  void wrongMagicIsRejectedNamingTheFile(@TempDir Path dir) throws Exception {
    TwoBranch t = TwoBranch.make(3, 1);
    String text = new String(t.model().param()).replace("7767517", "7767000");
    Path param = Files.writeString(dir.resolve("old.param"), text);
    Path bin = Files.write(dir.resolve("old.bin"), t.model().bin());
    var e = assertThrows(ModelFormatException.class, () -> NcnnModel.load(param, bin));
    assertTrue(e.getMessage().startsWith(param + ":1:") && e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void missingFileIsReportedByName(@TempDir Path dir) throws Exception {
    Path param = dir.resolve("absent.param");
    Path bin = dir.resolve("absent.bin");
    var e = assertThrows(ModelFormatException.class, () -> NcnnModel.load(param, bin));
    assertTrue(e.getMessage().contains("absent.param") && e.getMessage().contains("no such file"), e.getMessage());
  }

  /** pnnx writes two layers named splitncnn_0 into some models; ncnn runs them, so Reparo does too. */
  @Test
  void repeatedLayerNamesLoadAsNcnnAllowsThem() {
    HandWrittenModel m = new HandWrittenModel()
        .layer("Input", "in0", blobs(), blobs("in0"), "")
        .layer("ReLU", "act", blobs("in0"), blobs("mid"), "0=5.000000e-01")
        .layer("ReLU", "act", blobs("mid"), blobs("out0"), "0=5.000000e-01");
    try (NcnnModel model = NcnnModel.load(m.param(), m.bin(), "twice", NcnnOptions.defaults())) {
      Tensor y = model.run(Map.of("in0", Tensor.of(new float[] {-4, 2}, 2))).get("out0");
      assertArrayEquals(new float[] {-1, 2}, y.data());
    }
  }

  @Test
  void unknownLayerTypeIsRejectedBeforeNcnnSeesIt() {
    HandWrittenModel m = new HandWrittenModel()
        .layer("Input", "in0", blobs(), blobs("in0"), "")
        .layer("Frobnicate", "frob0", blobs("in0"), blobs("out0"), "");
    var e = assertThrows(ModelFormatException.class,
        () -> NcnnModel.load(m.param(), m.bin(), "odd", NcnnOptions.defaults()));
    assertTrue(e.getMessage().contains("'frob0'") && e.getMessage().contains("'Frobnicate'"), e.getMessage());
  }

  @Test
  void inputShapeContradictingTheInputLayerIsRejected() {
    TwoBranch t = TwoBranch.make(3, 1);
    try (NcnnModel model = t.load(NcnnOptions.defaults()); NcnnSession s = model.newSession()) {
      var e = assertThrows(InvalidInputException.class, () -> s.input("in0", Tensor.zeros(1, 5, H, W)));
      assertTrue(e.getMessage().contains("[1, 5, 7, 6]"), e.getMessage());
      var batch = assertThrows(InvalidInputException.class, () -> s.input("in0", Tensor.zeros(2, 3, H, W)));
      assertTrue(batch.getMessage().contains("batch size 2"), batch.getMessage());
    }
  }

  @Test
  void unknownBlobNameListsTheRealOnes() {
    TwoBranch t = TwoBranch.make(3, 1);
    try (NcnnModel model = t.load(NcnnOptions.defaults()); NcnnSession s = model.newSession()) {
      var e = assertThrows(InvalidInputException.class, () -> s.extract("output"));
      assertTrue(e.getMessage().contains("'output'") && e.getMessage().contains("[out0]"), e.getMessage());
    }
  }

  @Test
  void concurrentSessionsOnOneModelAgree() throws Exception {
    TwoBranch t = TwoBranch.make(16, 5);
    try (NcnnModel model = t.load(NcnnOptions.builder().threads(1).build())) {
      float[] first = model.run(Map.of("in0", t.input())).get("out0").data();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          results.add(pool.submit(() -> model.run(Map.of("in0", t.input())).get("out0").data()));
        }
        for (Future<float[]> r : results) {
          assertArrayEquals(first, r.get());
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void closingTheModelWaitsForOpenSessions() {
    TwoBranch t = TwoBranch.make(3, 1);
    NcnnModel model = t.load(NcnnOptions.defaults());
    try (NcnnSession session = model.newSession()) {
      model.close();
      Reference.assertClose(t.expected(), session.input("in0", t.input()).extract("out0"), 1e-4);
    }
    assertThrows(IllegalStateException.class, model::newSession);
  }
}
