package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.ncnn.NcnnModel;
import dev.reparo.ncnn.NcnnOptions;
import dev.reparo.ncnn.NcnnSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an ncnn model's time goes, per layer and per layer type, on Reparo's own ncnn (1 thread).
 *
 * <p>An ncnn extractor keeps every blob it has computed, so extracting the layers' outputs one
 * after the other, in the order of the {@code .param}, runs each layer once, when its output is
 * asked for; the time of that call minus the time of asking again for the same (now cached) blob is
 * the layer's own time, without the copy to Java. Medians over ROUNDS fresh extractors, light mode
 * off (light mode would free the blobs this relies on). The per-layer times add up to the whole
 * model's time within a few percent.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.reparo.bench.LayerProfile MODEL_DIR [ROUNDS] [TOP]</pre>
 *
 * MODEL_DIR holds {@code model.param} and {@code model.bin} (a converted or calibrated model).
 * The input is seeded uniform noise of the Input layer's declared shape (320x320x3 if it declares
 * none).
 */
public final class LayerProfile {
  private LayerProfile() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: LayerProfile MODEL_DIR [ROUNDS] [TOP]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int top = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    NcnnOptions options = NcnnOptions.builder().threads(1).lightMode(false).build();
    try (NcnnModel model = NcnnModel.load(dir.resolve("model.param"), dir.resolve("model.bin"), options)) {
      List<NcnnParam.Layer> layers = model.param().layers().stream()
          .filter(l -> !l.type().equals("Input") && !l.tops().isEmpty()).toList();
      String input = model.inputNames().get(0);
      Tensor x = NoiseInput.of(model.param().inputs().get(0));
      double[][] own = new double[layers.size()][rounds];
      double[] whole = new double[rounds];
      for (int r = -5; r < rounds; r++) {
        try (NcnnSession s = model.newSession()) {
          s.input(input, x);
          for (int i = 0; i < layers.size(); i++) {
            String blob = layers.get(i).tops().get(0);
            long t0 = System.nanoTime();
            s.extract(blob);
            long t1 = System.nanoTime();
            s.extract(blob);
            long t2 = System.nanoTime();
            if (r >= 0) {
              own[i][r] = Math.max(0, (t1 - t0) - (t2 - t1)) / 1e6;
            }
          }
        }
        try (NcnnSession s = model.newSession()) {
          long t0 = System.nanoTime();
          s.input(input, x);
          for (String out : model.outputNames()) {
            s.extract(out);
          }
          if (r >= 0) {
            whole[r] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
      Map<String, double[]> byType = new LinkedHashMap<>(); // type -> {ms, count}
      List<String> rows = new ArrayList<>();
      double sum = 0;
      for (int i = 0; i < layers.size(); i++) {
        double ms = Medians.of(own[i]);
        sum += ms;
        NcnnParam.Layer l = layers.get(i);
        double[] t = byType.computeIfAbsent(l.type(), k -> new double[2]);
        t[0] += ms;
        t[1]++;
        rows.add(String.format("| %s | %s | %.3f |", l.name(), l.type(), ms));
      }
      double total = Medians.of(whole);
      System.out.printf("%s: whole model %.3f ms (median of %d), layers add up to %.3f ms%n%n", dir, total, rounds, sum);
      System.out.println("| layer type | layers | ms | share |");
      System.out.println("|---|---:|---:|---:|");
      double layersMs = sum;
      byType.entrySet().stream().sorted(Comparator.comparingDouble(e -> -e.getValue()[0]))
          .forEach(e -> System.out.printf("| %s | %d | %.3f | %.0f%% |%n", e.getKey(), (int) e.getValue()[1],
              e.getValue()[0], 100 * e.getValue()[0] / layersMs));
      System.out.println();
      System.out.println("| slowest layers | type | ms |");
      System.out.println("|---|---|---:|");
      rows.stream().sorted(Comparator.comparingDouble(LayerProfile::msOf).reversed()).limit(top)
          .forEach(System.out::println);
    }
  }

  private static double msOf(String row) {
    String[] cells = row.split("\\|");
    return Double.parseDouble(cells[cells.length - 1].trim());
  }
}
