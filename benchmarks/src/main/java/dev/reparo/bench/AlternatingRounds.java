package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.ncnn.NcnnModel;
import dev.reparo.ncnn.NcnnOptions;
import dev.reparo.ncnn.NcnnSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Several ncnn models of one network (FP32, int8 variants, another converter's) timed in one JVM in
 * alternating rounds: every round runs each model once, so a shared machine's drift hits all alike.
 * Prints each model's median and its speed relative to the first. The input is seeded uniform noise
 * of the first model's declared input shape (320x320x3 if none is declared).
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
      var input = models.get(0).param().inputs().get(0);
      int w = input.intParam(0, 320);
      int h = input.intParam(1, 320);
      int c = input.intParam(2, 3);
      float[] data = new float[c * h * w];
      SplittableRandom random = new SplittableRandom(1);
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) random.nextDouble();
      }
      Tensor x = Tensor.of(data, 1, c, h, w);
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
      double first = median(ms[0]);
      System.out.printf("%d alternating rounds, %s thread(s)%n%n| model | median ms | vs first |%n|---|---:|---:|%n",
          rounds, args[1]);
      for (int m = 0; m < models.size(); m++) {
        System.out.printf("| %s | %.3f | %.2fx |%n", args[m + 2], median(ms[m]), first / median(ms[m]));
      }
    } finally {
      models.forEach(NcnnModel::close);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
