package dev.reparo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import dev.reparo.ncnn.NcnnModel;
import dev.reparo.ncnn.NcnnOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * pnnx's conversion against Reparo's of the same ONNX fixture, both run on Reparo's own ncnn
 * ({@link NcnnModel}, 1 thread) in alternating rounds (the order flips every round, so a shared
 * machine's drift hits both alike), both checked against the fixture's PyTorch outputs. Prints
 * and writes a markdown table ({@code table.md}) and a bar chart ({@code chart.png}).
 *
 * <p>Layout of WORK, as {@code benchmarks/peer-pnnx.sh} leaves it: {@code WORK/<fixture>/pnnx/
 * model.ncnn.param|bin} (pnnx names its blobs in0 and out0, out1, ... in the ONNX output order) and
 * {@code WORK/<fixture>/reparo/model.param|bin} (Reparo keeps the ONNX names). A fixture whose pnnx
 * files are missing (pnnx failed) or do not load in ncnn gets a row that says so.
 *
 * <p>The references of each model are in {@code WORK/<fixture>/ref/} (a fixture's directory: info.json,
 * input.npy, output_<i>.npy).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.reparo.bench.PeerComparison WORK RESULTS [ROUNDS]</pre>
 */
public final class PeerComparison {
  private PeerComparison() {}

  /**
   * One table row; NaN where that side could not be measured, with the reason in {@code note}.
   * {@code pnnxDetectMs} and {@code reparoDetectMs} are the time to detections ({@link ToDetections});
   * NaN where Reparo's raw-head cut does not apply.
   */
  record Row(String model, double pnnxMs, double reparoMs, double pnnxError, double reparoError, String note,
      double pnnxDetectMs, double reparoDetectMs) {
    Row(String model, double pnnxMs, double reparoMs, double pnnxError, double reparoError, String note) {
      this(model, pnnxMs, reparoMs, pnnxError, reparoError, note, Double.NaN, Double.NaN);
    }

    double ratio() {
      return pnnxMs / reparoMs;
    }

    double detectRatio() {
      return pnnxDetectMs / reparoDetectMs;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: PeerComparison WORK RESULTS [ROUNDS]");
      System.exit(2);
    }
    Path work = Path.of(args[0]);
    Path results = Path.of(args[1]);
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    List<Row> rows = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(work)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        Row row = compare(dir.resolve("ref"), dir, rounds);
        System.out.println(format(row));
        rows.add(row);
      }
    }
    Files.createDirectories(results);
    String table = table(rows, rounds);
    Files.writeString(results.resolve("table.md"), table);
    PeerChart.write(rows, results.resolve("chart.png"));
    System.out.print(table);
  }

  static Row compare(Path fixture, Path dir, int rounds) throws Exception {
    String name = dir.getFileName().toString();
    JsonNode info = new ObjectMapper().readTree(fixture.resolve("info.json").toFile());
    Tensor input = Npy.read(fixture.resolve("input.npy"));
    List<Tensor> expected = new ArrayList<>();
    List<String> reparoOut = new ArrayList<>();
    List<String> pnnxOut = new ArrayList<>();
    for (JsonNode o : info.get("outputs")) {
      expected.add(Npy.read(fixture.resolve(o.get("file").asText())));
      reparoOut.add(o.get("name").asText());
      pnnxOut.add("out" + pnnxOut.size());
    }
    NcnnOptions options = NcnnOptions.builder().threads(1).build();
    try (NcnnModel reparo = NcnnModel.load(dir.resolve("reparo/model.param"), dir.resolve("reparo/model.bin"), options)) {
      Map<String, Tensor> reparoIn = Map.of(reparo.inputNames().get(0), input);
      double reparoError = maxError(reparo, reparoIn, reparoOut, expected);
      Path pnnxParam = dir.resolve("pnnx/model.ncnn.param");
      if (!Files.isRegularFile(pnnxParam)) {
        return new Row(name, Double.NaN, time(reparo, reparoIn, rounds), Double.NaN, reparoError,
            "pnnx wrote no ncnn model (see pnnx.log)");
      }
      NcnnModel pnnx;
      try {
        pnnx = NcnnModel.load(pnnxParam, dir.resolve("pnnx/model.ncnn.bin"), options);
      } catch (RuntimeException e) {
        return new Row(name, Double.NaN, time(reparo, reparoIn, rounds), Double.NaN, reparoError,
            "pnnx's param does not load in ncnn: " + firstLine(e).replace(dir + "/", ""));
      }
      try (pnnx) {
        Map<String, Tensor> pnnxIn = Map.of(pnnx.inputNames().get(0), input);
        double pnnxError;
        try {
          pnnxError = maxError(pnnx, pnnxIn, pnnxOut, expected);
        } catch (RuntimeException e) {
          return new Row(name, Double.NaN, time(reparo, reparoIn, rounds), Double.NaN, reparoError,
              "pnnx's model does not run in ncnn: " + firstLine(e));
        }
        double[][] ms = new double[2][rounds];
        for (int r = -Math.max(5, rounds / 10); r < rounds; r++) { // the first rounds warm up, untimed
          boolean pnnxFirst = (r & 1) == 0;
          double a = timeOnce(pnnxFirst ? pnnx : reparo, pnnxFirst ? pnnxIn : reparoIn);
          double b = timeOnce(pnnxFirst ? reparo : pnnx, pnnxFirst ? reparoIn : pnnxIn);
          if (r >= 0) {
            ms[0][r] = pnnxFirst ? a : b;
            ms[1][r] = pnnxFirst ? b : a;
          }
        }
        Row row = new Row(name, Medians.of(ms[0]), Medians.of(ms[1]), pnnxError, reparoError, "");
        return ToDetections.measure(row, dir, pnnx, pnnxIn, input, rounds);
      }
    }
  }

  private static String firstLine(RuntimeException e) {
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }

  private static double maxError(NcnnModel model, Map<String, Tensor> in, List<String> outs, List<Tensor> expected) {
    Map<String, Tensor> got = model.run(in);
    double max = 0;
    for (int i = 0; i < outs.size(); i++) {
      Tensor actual = got.get(outs.get(i));
      if (actual == null) {
        throw new IllegalStateException("no output '" + outs.get(i) + "' among " + got.keySet());
      }
      float[] a = actual.data();
      float[] e = expected.get(i).data();
      if (a.length != e.length) {
        throw new IllegalStateException("output " + outs.get(i) + " has " + a.length + " values, PyTorch " + e.length);
      }
      for (int k = 0; k < a.length; k++) {
        max = Math.max(max, Math.abs(a[k] - e[k]));
      }
    }
    return max;
  }

  private static double time(NcnnModel model, Map<String, Tensor> in, int rounds) {
    double[] ms = new double[rounds];
    for (int r = -Math.max(5, rounds / 10); r < rounds; r++) {
      double t = timeOnce(model, in);
      if (r >= 0) {
        ms[r] = t;
      }
    }
    return Medians.of(ms);
  }

  private static double timeOnce(NcnnModel model, Map<String, Tensor> in) {
    long t0 = System.nanoTime();
    model.run(in);
    return (System.nanoTime() - t0) / 1e6;
  }

  static String table(List<Row> rows, int rounds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("Medians of %d alternating rounds, 1 thread, FP32 weights on both sides.%n%n", rounds));
    boolean detect = rows.stream().anyMatch(r -> !Double.isNaN(r.detectRatio()));
    if (detect) {
      sb.append(ToDetections.LEGEND);
    }
    sb.append("| model | pnnx ms | Reparo ms | pnnx / Reparo | max abs error pnnx | max abs error Reparo | note |"
        + (detect ? " to detections: pnnx ms | Reparo raw head ms | pnnx / Reparo |" : "") + "\n");
    sb.append("|---|---:|---:|---:|---:|---:|---|" + (detect ? "---:|---:|---:|" : "") + "\n");
    rows.forEach(r -> sb.append(format(r)).append(detect ? detectColumns(r) : "").append('\n'));
    return sb.toString();
  }

  static String format(Row r) {
    return String.format("| %s | %s | %s | %s | %s | %s | %s |", r.model(), ms(r.pnnxMs()), ms(r.reparoMs()),
        Double.isNaN(r.ratio()) ? "—" : String.format("%.2fx", r.ratio()), err(r.pnnxError()), err(r.reparoError()),
        r.note());
  }

  private static String detectColumns(Row r) {
    return String.format(" %s | %s | %s |", ms(r.pnnxDetectMs()), ms(r.reparoDetectMs()),
        Double.isNaN(r.detectRatio()) ? "—" : String.format("%.2fx", r.detectRatio()));
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "—" : String.format("%.3f", v);
  }

  private static String err(double v) {
    return Double.isNaN(v) ? "—" : String.format("%.1e", v);
  }
}
