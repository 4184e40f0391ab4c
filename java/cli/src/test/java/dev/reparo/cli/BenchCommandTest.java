package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Progress;
import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reparo bench} and {@code reparo infer --backend onnxruntime} on a real fixture. */
class BenchCommandTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));
  static final Path MODEL = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw").resolve("model.onnx");

  @Test
  void benchWritesConsistentReportsForEveryBackendAndThreadCount(@TempDir Path out) throws Exception {
    ReparoCliTest.Result r = ReparoCliTest.run("bench", "--model", MODEL.toString(), "--backends", "ncnn,onnxruntime",
        "--threads", "1,2", "--warmup", "1", "--runs", "5", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    List<String> csv = Files.readAllLines(out.resolve("bench.csv"));
    assertEquals("backend,runtime,threads,load_ms,runs,p50_ms,p90_ms,p99_ms,mean_ms,images_per_s,peak_rss_mb,"
        + "speedup_vs_first,gflop_per_s,model_mb,map50,map50_95", csv.get(0));
    // The fused YOLOv5-Lite-g: PyTorch's hook count of multiply-accumulates after re-parameterization.
    double gflop = 2.0 * new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(MODEL.getParent().resolve("info.json").toFile()).get("macs_reparameterized").asLong() / 1e9;
    assertEquals(5, csv.size(), "header + 2 backends x 2 thread counts");
    Map<String, Double> baselineP50 = new HashMap<>();
    String[] expectedOrder = {"ncnn/1", "onnxruntime/1", "ncnn/2", "onnxruntime/2"};
    for (int i = 1; i < csv.size(); i++) {
      String[] f = csv.get(i).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
      assertEquals(16, f.length, csv.get(i));
      assertTrue(Double.parseDouble(f[13]) > 0 && f[14].isEmpty() && f[15].isEmpty(), "a size, no accuracy without --data");
      assertEquals(expectedOrder[i - 1], f[0] + "/" + f[2]);
      assertTrue(f[1].startsWith("\"" + f[0] + " "), "runtime names the backend: " + f[1]);
      double load = Double.parseDouble(f[3]);
      double p50 = Double.parseDouble(f[5]);
      double p90 = Double.parseDouble(f[6]);
      double p99 = Double.parseDouble(f[7]);
      double mean = Double.parseDouble(f[8]);
      double ips = Double.parseDouble(f[9]);
      double rss = Double.parseDouble(f[10]);
      double speedup = Double.parseDouble(f[11]);
      assertEquals(5, Integer.parseInt(f[4]));
      assertTrue(load > 0 && p50 > 0 && rss > 0, csv.get(i));
      assertTrue(p50 <= p90 && p90 <= p99, "percentiles ordered: " + csv.get(i));
      assertEquals(1000.0 / mean, ips, 0.01 * ips, "images/s is 1000 / mean ms");
      assertEquals(gflop / (p50 / 1000), Double.parseDouble(f[12]), 0.002 * gflop / (p50 / 1000) + 1e-3,
          "GFLOP/s = the model's work / p50");
      double base = baselineP50.computeIfAbsent(f[2], t -> p50);
      assertEquals(base / p50, speedup, 0.002 * Math.max(1, speedup) + 1e-3, "speed-up = first p50 / this p50");
    }
    String md = Files.readString(out.resolve("bench.md"));
    assertTrue(md.contains("| backend | runtime | threads |"), md);
    assertTrue(md.contains(String.format(java.util.Locale.ROOT, "%.3f GFLOP per inference", gflop)), md);
    assertEquals(4, md.lines().filter(l -> l.startsWith("| ncnn ") || l.startsWith("| onnxruntime ")).count(), md);
    assertTrue(md.contains("| 1.00x |"), "the baseline's speed-up is 1: " + md);
    BufferedImage png = ImageIO.read(out.resolve("bench.png").toFile());
    assertTrue(png != null && png.getWidth() > 200 && png.getHeight() > 200, "a decodable chart");
    try (var files = Files.list(out)) {
      assertEquals(3, files.count(), "bench.md, bench.csv, bench.png and no temporary files");
    }
    assertTrue(r.out().contains("wrote "), r.out());
  }

  @Test
  void benchTimesTheUnfusedAndInt8ModelsBesideTheFusedOne(@TempDir Path dir) throws Exception {
    new dev.reparo.data.SyntheticDataset(11).write(dir.resolve("calib"), 4, Progress.NONE);
    ReparoCliTest.Result c = ReparoCliTest.run(concat(new String[] {"calibrate", "-m", MODEL.toString(), "--images",
        dir.resolve("calib/images").toString(), "--method", "minmax", "--no-mixed", "--out",
        dir.resolve("int8").toString()},
        DetectAndEvalCommandTest.META));
    assertEquals(0, c.code(), c.err());
    Path out = dir.resolve("bench");
    ReparoCliTest.Result r = ReparoCliTest.run("bench", "--model", MODEL.toString(), "--int8", dir.resolve("int8").toString(),
        "--warmup", "1", "--runs", "3", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    List<String> csv = Files.readAllLines(out.resolve("bench.csv"));
    List<String> names = csv.subList(1, csv.size()).stream().map(l -> l.substring(0, l.indexOf(','))).toList();
    // Default cases: every available CPU backend, ncnn on the model as exported, then the int8 variants.
    assertEquals(List.of("ncnn", "onnxruntime", "ncnn-unfused", "ncnn-int8", "onnxruntime-int8"),
        names.stream().filter(n -> !n.startsWith("tensorrt")).toList(), String.join("\n", csv));
    assertTrue(r.out().contains("ncnn-unfused"), r.out());

    ReparoCliTest.Result noInt8 = ReparoCliTest.run("bench", "--model", MODEL.toString(), "--backends", "ncnn,ncnn-int8",
        "--runs", "1", "--out", out.toString());
    assertEquals(1, noInt8.code());
    assertTrue(noInt8.err().contains("ncnn-int8 needs --int8 DIR"), noInt8.err());
    ReparoCliTest.Result unfusedOfConverted = ReparoCliTest.run("bench", "--model", dir.resolve("int8").toString(),
        "--backends", "ncnn-unfused", "--runs", "1", "--out", out.toString());
    assertEquals(1, unfusedOfConverted.code());
    assertTrue(unfusedOfConverted.err().contains("--model must be the .onnx"), unfusedOfConverted.err());
  }

  @Test
  void benchWithDataAddsEachBackendsAccuracyAsEvalComputesItAndModelSize(@TempDir Path dir) throws Exception {
    new dev.reparo.data.SyntheticDataset(5).write(dir.resolve("data"), 3, (p, d, t) -> {});
    Path demo = Demo.prepare(dir.resolve("demo")).model(); // trained: a non-zero mAP to compare
    Path out = dir.resolve("bench");
    ReparoCliTest.Result r = ReparoCliTest.run(concat(new String[] {"bench", "--model", demo.toString(), "--backends",
        "ncnn,onnxruntime", "--warmup", "1", "--runs", "2", "--data", dir.resolve("data/data.yaml").toString(),
        "--out", out.toString()}, new String[0]));
    assertEquals(0, r.code(), r.err());
    List<String> csv = Files.readAllLines(out.resolve("bench.csv"));
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : csv.subList(1, csv.size())) {
      String[] f = line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
      ReparoCliTest.Result e = ReparoCliTest.run(concat(new String[] {"eval", "-m", demo.toString(), "--backend", f[0],
          "--threads", "1", "--data", dir.resolve("data/data.yaml").toString(), "--json",
          dir.resolve(f[0] + ".json").toString()}, new String[0]));
      assertEquals(0, e.code(), e.err());
      var summary = mapper.readTree(dir.resolve(f[0] + ".json").toFile()).get("summary");
      assertTrue(summary.get("AP50").asDouble() > 0, "the fixture finds shapes: " + e.out());
      assertEquals(summary.get("AP50").asDouble(), Double.parseDouble(f[14]), 1e-5, line);
      assertEquals(summary.get("AP").asDouble(), Double.parseDouble(f[15]), 1e-5, line);
    }
    // Sizes: ncnn loads param + bin, ONNX Runtime the fused ONNX, as the converted model.json names them.
    Path converted = dev.reparo.convert.ModelLocator.locate(demo).dir();
    var files = mapper.readTree(converted.resolve("model.json").toFile()).get("files");
    double ncnnMb = (Files.size(converted.resolve(files.get("ncnn_param").asText()))
        + Files.size(converted.resolve(files.get("ncnn_bin").asText()))) / 1e6;
    double onnxMb = Files.size(converted.resolve(files.get("onnx").asText())) / 1e6;
    assertEquals(ncnnMb, Double.parseDouble(csv.get(1).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)[13]), 1e-3);
    assertEquals(onnxMb, Double.parseDouble(csv.get(2).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)[13]), 1e-3);
    String md = Files.readString(out.resolve("bench.md"));
    assertTrue(md.contains("| model MB | mAP50 | mAP50-95 |"), md);
    assertTrue(md.contains("accuracy: COCO mAP on"), md);
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void benchRejectsUnknownBackendsAndImpossibleInputSizes(@TempDir Path out) {
    ReparoCliTest.Result r = ReparoCliTest.run("bench", "--model", MODEL.toString(), "--backends", "ncnn,cuda",
        "--out", out.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("unknown backend 'cuda'"), r.err());
    ReparoCliTest.Result s = ReparoCliTest.run("bench", "--model", MODEL.toString(), "--input", "640", "--runs", "1",
        "--out", out.toString());
    assertEquals(1, s.code());
    assertTrue(s.err().contains("fixed at [1, 3, 320, 320]"), s.err());
  }

  @Test
  void inferOnOnnxRuntimeMatchesPyTorch(@TempDir Path dir) throws Exception {
    Path fx = MODEL.getParent();
    ReparoCliTest.Result r = ReparoCliTest.run("infer", "--model", MODEL.toString(), "--backend", "onnxruntime",
        "--input", fx.resolve("input.npy").toString(), "--out", dir.toString());
    assertEquals(0, r.code(), r.err());
    for (int i = 0; i < 3; i++) {
      Tensor want = Npy.read(fx.resolve("output_" + i + ".npy"));
      Tensor got = Npy.read(dir.resolve("p" + (i + 3) + ".npy"));
      assertArrayEquals(want.shape(), got.shape());
      for (int j = 0; j < want.size(); j++) {
        float w = want.data()[j];
        assertEquals(w, got.data()[j], 1e-4f + 1e-4f * Math.abs(w), "p" + (i + 3) + "[" + j + "]");
      }
    }
  }
}
