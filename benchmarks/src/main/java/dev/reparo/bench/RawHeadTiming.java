package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ModelConverter;
import dev.reparo.detect.DetectionHead;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.format.npy.Npy;
import dev.reparo.io.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What cutting the decode off an Ultralytics head saves on ncnn: per fixture, Reparo's conversion as
 * exported (decoded head) and with {@code --raw-head}, both on ncnn (1 thread) in alternating rounds
 * (the order flips every round), each timed as the network run alone and as the network run plus
 * its head's decoding to candidates at conf 0.25 (before NMS: the decoded head scans every anchor's
 * scores, the raw head compares class logits with logit(0.25) and decodes the cells that pass). The
 * input is the fixture's {@code input.npy}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.reparo.bench.RawHeadTiming ROUNDS FIXTURE_DIR...</pre>
 */
public final class RawHeadTiming {
  static final float CONF = 0.25f;

  private RawHeadTiming() {}

  /** One converted form: loaded on ncnn as detection loads it, and its head. */
  private record Form(LoadedModel ncnn, DetectionHead head) {
    static Form convert(Path onnx, Path dir, boolean rawHead) throws Exception {
      ModelConverter.Result r = ModelConverter.convert(onnx, dir, false, true, rawHead);
      if (rawHead && !r.rawHead().cut()) {
        throw new IllegalStateException(onnx + ": the decode was not cut: " + r.rawHead().refusal());
      }
      DeployedModel m = r.model();
      LoadedModel ncnn = Backends.find(BackendKind.NCNN).load(m, LoadOptions.defaults().withThreads(1));
      return new Form(ncnn, DetectionTask.forModel(m, DetectorOptions.defaults()).head());
    }

    List<Tensor> run(Tensor input) {
      return ncnn.run(input);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: RawHeadTiming ROUNDS FIXTURE_DIR...");
      System.exit(2);
    }
    int rounds = Integer.parseInt(args[0]);
    System.out.printf("Medians of %d alternating rounds, 1 thread, ncnn; candidates at conf %.2f before NMS.%n%n",
        rounds, CONF);
    System.out.println("| model | decoded: network ms | + head ms | raw: network ms | + head ms "
        + "| network decoded/raw | network+head decoded/raw | candidates |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (int i = 1; i < args.length; i++) {
      Path fixture = Path.of(args[i]);
      Path tmp = Files.createTempDirectory("raw-head-timing");
      Form decoded = Form.convert(fixture.resolve("model.onnx"), tmp.resolve("decoded"), false);
      Form raw = Form.convert(fixture.resolve("model.onnx"), tmp.resolve("raw"), true);
      Tensor input = Npy.read(fixture.resolve("input.npy"));
      int want = decoded.head().candidateCount(decoded.run(input), CONF);
      int got = raw.head().candidateCount(raw.run(input), CONF);
      if (want != got) {
        throw new IllegalStateException(fixture + ": " + want + " candidates decoded, " + got + " raw");
      }
      // [form][0: network, 1: network + head][round]
      double[][][] ms = new double[2][2][rounds];
      Form[] forms = {decoded, raw};
      for (int r = -Math.max(10, rounds / 10); r < rounds; r++) {
        for (int k = 0; k < 2; k++) {
          int f = (r & 1) == 0 ? k : 1 - k;
          long t0 = System.nanoTime();
          List<Tensor> out = forms[f].run(input);
          long t1 = System.nanoTime();
          forms[f].head().candidateCount(out, CONF);
          long t2 = System.nanoTime();
          if (r >= 0) {
            ms[f][0][r] = (t1 - t0) / 1e6;
            ms[f][1][r] = (t2 - t0) / 1e6;
          }
        }
      }
      double[] dn = {Medians.of(ms[0][0]), Medians.of(ms[0][1])};
      double[] rn = {Medians.of(ms[1][0]), Medians.of(ms[1][1])};
      System.out.printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3fx | %.3fx | %d |%n", fixture.getFileName(), dn[0],
          dn[1] - dn[0], rn[0], rn[1] - rn[0], dn[0] / rn[0], dn[1] / rn[1], want);
      decoded.ncnn().close();
      raw.ncnn().close();
      FileTrees.delete(tmp);
    }
  }
}
