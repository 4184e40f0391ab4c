package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Progress;
import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on real PyTorch exports; PyTorch's outputs and MAC counts are the oracle. */
class ConvertAndInferCommandTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));

  @Test
  void convertWritesEveryArtefactAndTheSummary(@TempDir Path out) throws Exception {
    Path fx = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw");
    JsonNode info = new ObjectMapper().readTree(fx.resolve("info.json").toFile());
    ReparoCliTest.Result r = ReparoCliTest.run("convert", fx.resolve("model.onnx").toString(), "--out", out.toString(), "-v");
    assertEquals(0, r.code(), r.err());
    for (String f : new String[] {"model.param", "model.bin", "model.fused.onnx", "model.json"}) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
    // After re-parameterization every RepVGG block's 1x1 branch is gone: PyTorch's hook count.
    String gflops = String.format("%.3f GFLOPs", 2.0 * info.get("macs_reparameterized").asLong() / 1e9);
    assertTrue(r.out().contains("Model Summary: ") && r.out().contains(gflops), r.out());
    assertTrue(r.out().contains("reparameterize-repvgg") && r.out().contains("rewrote   11"), r.out());
    try (var files = Files.list(out)) {
      assertEquals(4, files.count(), "no temporary files left");
    }
  }

  @Test
  void rawHeadCutsTheUltralyticsDecodeOnlyWhenAskedAndSaysWhyNotElsewhere(@TempDir Path dir) throws Exception {
    Path yolov8 = FIXTURES.resolve("ultralytics_yolov8t-default-onnx18/model.onnx");
    ReparoCliTest.Result plain = ReparoCliTest.run("convert", yolov8.toString(), "--out", dir.resolve("plain").toString());
    assertEquals(0, plain.code(), plain.err());
    JsonNode plainOutputs = new ObjectMapper().readTree(dir.resolve("plain/model.json").toFile()).get("outputs");
    assertEquals("[1,10,2100]", plainOutputs.get(0).get("shape").toString(), "outputs as exported by default");
    assertEquals(1, plainOutputs.size());

    ReparoCliTest.Result raw = ReparoCliTest.run("convert", yolov8.toString(), "--out", dir.resolve("raw").toString(),
        "--raw-head");
    assertEquals(0, raw.code(), raw.err());
    assertTrue(raw.out().contains("Raw head: the decode is cut off"), raw.out());
    JsonNode model = new ObjectMapper().readTree(dir.resolve("raw/model.json").toFile());
    assertEquals("[[1,64,40,40],[1,6,40,40],[1,64,20,20],[1,6,20,20],[1,64,10,10],[1,6,10,10]]",
        model.get("outputs").findValues("shape").toString().replace(" ", ""));
    assertEquals("[8, 16, 32]", model.get("metadata").get("strides").asText());

    Path yolov5 = FIXTURES.resolve("yolov5_export-default-onnx18/model.onnx");
    ReparoCliTest.Result refused = ReparoCliTest.run("convert", yolov5.toString(), "--out",
        dir.resolve("v5").toString(), "--raw-head");
    assertEquals(0, refused.code(), refused.err());
    assertTrue(refused.out().contains("Raw head: not cut, outputs stay as exported (not an Ultralytics decoded "
        + "anchor-free head: output0: output Concat"), refused.out());
  }

  @Test
  void inferMatchesPyTorchOnAConvertedModel(@TempDir Path dir) throws Exception {
    Path fx = FIXTURES.resolve("repvgg_stack-training-torchscript11");
    ReparoCliTest.Result c = ReparoCliTest.run("convert", fx.resolve("model.onnx").toString(), "--out", dir.resolve("m").toString());
    assertEquals(0, c.code(), c.err());
    ReparoCliTest.Result r = ReparoCliTest.run("infer", "--model", dir.resolve("m/model.param").toString(),
        "--input", fx.resolve("input.npy").toString(), "--out", dir.resolve("o").toString());
    assertEquals(0, r.code(), r.err());
    JsonNode info = new ObjectMapper().readTree(fx.resolve("info.json").toFile());
    String name = info.get("outputs").get(0).get("name").asText();
    Tensor want = Npy.read(fx.resolve("output_0.npy"));
    Tensor got = Npy.read(dir.resolve("o").resolve(name + ".npy"));
    assertArrayEquals(want.shape(), got.shape());
    float peak = 0;
    float worst = 0;
    for (int i = 0; i < want.size(); i++) {
      peak = Math.max(peak, Math.abs(want.data()[i]));
      worst = Math.max(worst, Math.abs(want.data()[i] - got.data()[i]));
    }
    assertTrue(worst <= 1e-4f * peak, "max difference " + worst + " on values up to " + peak);
  }

  @Test
  void inferOnAnImageUsesDetectsPreprocessing(@TempDir Path dir) throws Exception {
    Path model = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw").resolve("model.onnx");
    new dev.reparo.data.SyntheticDataset(4).write(dir.resolve("data"), 1, Progress.NONE);
    Path image;
    try (var s = Files.list(dir.resolve("data/images"))) {
      image = s.findFirst().orElseThrow();
    }
    // The same tensor written by the Java API, then fed as --input: both runs must agree exactly.
    dev.reparo.detect.DetectorOptions.Builder b = dev.reparo.detect.DetectorOptions.builder();
    for (int i = 1; i < DetectAndEvalCommandTest.META.length; i += 2) {
      String[] kv = DetectAndEvalCommandTest.META[i].split("=", 2);
      b.metadata(kv[0], kv[1]);
    }
    try (dev.reparo.detect.Detector d = dev.reparo.detect.Detector.open(model, b.build())) {
      Npy.write(dir.resolve("x.npy"), d.preprocess(dev.reparo.image.ImageLoader.read(image)));
    }
    String[] viaImage = BenchCommandTest.concat(new String[] {"infer", "-m", model.toString(), "--image", image.toString(),
        "-o", dir.resolve("a").toString()}, DetectAndEvalCommandTest.META);
    ReparoCliTest.Result a = ReparoCliTest.run(viaImage);
    assertEquals(0, a.code(), a.err());
    ReparoCliTest.Result c = ReparoCliTest.run("infer", "-m", model.toString(), "--input", dir.resolve("x.npy").toString(),
        "-o", dir.resolve("b").toString());
    assertEquals(0, c.code(), c.err());
    try (var s = Files.list(dir.resolve("a"))) {
      for (Path f : s.toList()) {
        Tensor x = Npy.read(f);
        Tensor y = Npy.read(dir.resolve("b").resolve(f.getFileName()));
        assertArrayEquals(y.shape(), x.shape());
        assertArrayEquals(y.data(), x.data(), 0f, f.getFileName().toString());
      }
    }
    ReparoCliTest.Result both = ReparoCliTest.run("infer", "-m", model.toString(), "--image", image.toString(),
        "--input", dir.resolve("x.npy").toString(), "-o", dir.resolve("c").toString());
    assertEquals(1, both.code());
    assertTrue(both.err().contains("exactly one of --input"), both.err());
  }

  @Test
  void badInputsFailCleanlyWithoutOutput(@TempDir Path dir) throws Exception {
    Path notOnnx = dir.resolve("x.onnx");
    Files.write(notOnnx, new byte[] {0, 0, 0, 1, 2, 3});
    ReparoCliTest.Result r = ReparoCliTest.run("convert", notOnnx.toString(), "--out", dir.resolve("out").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("reparo: " + notOnnx), r.err());
    assertFalse(Files.exists(dir.resolve("out")), "nothing written for a bad model");

    r = ReparoCliTest.run("infer", "--model", dir.resolve("missing.onnx").toString(), "--input", notOnnx.toString(),
        "--out", dir.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("missing.onnx: no such model file"), r.err());

    r = ReparoCliTest.run("convert", "--out", dir.toString());
    assertEquals(2, r.code(), "missing model argument is a usage error");
  }
}
