package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.ncnn.NcnnModel;
import dev.reparo.ncnn.NcnnOptions;
import dev.reparo.ncnn.NcnnSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several ncnn models of one network (FP32, int8 variants, another converter's) timed in one JVM in
 * alternating rounds: every round runs each model once, so a shared machine's drift hits all alike.
 * Prints each model's median and its speed relative to the first. The input is {@link NoiseInput} of
 * the first model's Input layer.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.reparo.bench.AlternatingRounds ROUNDS THREADS DIR...</pre>
 *
 * Each DIR holds {@code model.param} and {@code model.bin}; 20 untimed rounds come first.
 */
public final class AlternatingRounds {
  private AlternatingRounds() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: AlternatingRounds ROUNDS THREADS DIR...");
      System.exit(2);
    }
    int rounds = Integer.parseInt(args[0]);
    NcnnOptions options = NcnnOptions.builder().threads(Integer.parseInt(args[1])).build();
    List<NcnnModel> models = new ArrayList<>();
    try {
      for (int i = 2; i < args.length; i++) {
        Path dir = Path.of(args[i]);
        models.add(NcnnModel.load(dir.resolve("model.param"), dir.resolve("model.bin"), options));
      }
      Tensor x = NoiseInput.of(models.get(0).param().inputs().get(0));
      double[][] ms = new double[models.size()][rounds];
      for (int r = -20; r < rounds; r++) {
        for (int m = 0; m < models.size(); m++) {
          NcnnModel model = models.get(m);
          long t0 = System.nanoTime();
          try (NcnnSession s = model.newSession()) {
            s.input(model.inputNames().get(0), x);
            for (String out : model.outputNames()) {
              s.extract(out);
            }
          }
          if (r >= 0) {
            ms[m][r] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
      double first = Medians.of(ms[0]);
      System.out.printf("%d alternating rounds, %s thread(s)%n%n| model | median ms | vs first |%n|---|---:|---:|%n",
          rounds, args[1]);
      for (int m = 0; m < models.size(); m++) {
        System.out.printf("| %s | %.3f | %.2fx |%n", args[m + 2], Medians.of(ms[m]), first / Medians.of(ms[m]));
      }
    } finally {
      models.forEach(NcnnModel::close);
    }
  }
}
