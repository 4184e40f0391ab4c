package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.Detection;
import dev.reparo.detect.DetectionHead;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.HeadKind;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.ModelMetadata;
import dev.reparo.detect.PostProcessor;
import dev.reparo.ncnn.NcnnModel;
import dev.reparo.ncnn.NcnnOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link PeerComparison}'s optional "time to detections" columns, for fixtures whose decoded
 * Ultralytics head Reparo cuts ({@code reparo convert --raw-head} into {@code WORK/<fixture>/reparo-raw},
 * as {@code benchmarks/peer-pnnx.sh} leaves it): pnnx's model (decoded output {@code [1, 4+C, N]})
 * followed by Reparo's decoded-head post-processing, against Reparo's cut model followed by the raw
 * head's (logit threshold, DFL only for cells that pass); both to detections (decode, NMS) at conf
 * {@value #CONF}, IoU {@value #IOU}, on the fixture's input, in alternating rounds. Both must give
 * the same detections (IoU ≥ 0.99, scores within 1e-3), else the row says so and has no figures.
 */
final class ToDetections {
  static final float CONF = 0.25f;
  static final float IOU = 0.45f;
  static final String LEGEND = String.format("To detections: network run plus post-processing to detections "
      + "(decode, NMS) at conf %.2f, IoU %.2f, where Reparo cuts the decode off the head (`convert --raw-head`): "
      + "pnnx's decoded output through Reparo's decoded-head post-processing, against Reparo's cut model through "
      + "its raw-head decoding; both give the same detections.%n%n", CONF, IOU);

  private ToDetections() {}

  /** {@code row} with the time-to-detections figures added, or as it is where the cut does not apply. */
  static PeerComparison.Row measure(PeerComparison.Row row, Path dir, NcnnModel pnnx, Map<String, Tensor> pnnxIn,
      Tensor input, int rounds) throws IOException {
    Path rawDir = dir.resolve("reparo-raw");
    if (!Files.isRegularFile(rawDir.resolve(DeployedModel.DESCRIPTOR))) {
      return row;
    }
    DeployedModel raw = DeployedModel.read(rawDir);
    if (!HeadKind.ANCHOR_FREE_RAW.cliName().equals(raw.metadata().get(ModelMetadata.HEAD_LAYOUT))) {
      return row;
    }
    DetectionTask task = DetectionTask.forModel(raw, DetectorOptions.defaults());
    List<String> names = task.metadata().names();
    PostProcessor rawPost = new PostProcessor(task.head(), names);
    PostProcessor decodedPost = new PostProcessor(DetectionHead.anchorFree(names.size()), names);
    Letterbox identity = Letterbox.fixed(input.dim(3), input.dim(2), input.dim(3), input.dim(2));
    try (NcnnModel reparo = NcnnModel.load(rawDir.resolve("model.param"), rawDir.resolve("model.bin"),
        NcnnOptions.builder().threads(1).build())) {
      Map<String, Tensor> reparoIn = Map.of(reparo.inputNames().get(0), input);
      Supplier<List<Detection>> viaPnnx = () -> decodedPost.process(
          List.of(batched(pnnx.run(pnnxIn).get("out0"))), identity, CONF, IOU, 300, false, null);
      Supplier<List<Detection>> viaReparo = () -> {
        Map<String, Tensor> got = reparo.run(reparoIn);
        List<Tensor> outputs = new ArrayList<>();
        raw.outputNames().forEach(o -> outputs.add(batched(got.get(o))));
        return rawPost.process(outputs, identity, CONF, IOU, 300, false, null);
      };
      DetectionMatching.Result same = DetectionMatching.compare(viaPnnx.get(), viaReparo.get(),
          new DetectionMatching.Tolerance(0.99f, 1e-3f, CONF));
      if (!same.same()) {
        return new PeerComparison.Row(row.model(), row.pnnxMs(), row.reparoMs(), row.pnnxError(), row.reparoError(),
            (row.note() + " detections differ: " + same.describe()).strip());
      }
      double[][] ms = new double[2][rounds];
      for (int r = -Math.max(5, rounds / 10); r < rounds; r++) {
        boolean pnnxFirst = (r & 1) == 0;
        double a = time(pnnxFirst ? viaPnnx : viaReparo);
        double b = time(pnnxFirst ? viaReparo : viaPnnx);
        if (r >= 0) {
          ms[0][r] = pnnxFirst ? a : b;
          ms[1][r] = pnnxFirst ? b : a;
        }
      }
      return new PeerComparison.Row(row.model(), row.pnnxMs(), row.reparoMs(), row.pnnxError(), row.reparoError(),
          row.note(), Medians.of(ms[0]), Medians.of(ms[1]));
    }
  }

  private static double time(Supplier<List<Detection>> detect) {
    long t0 = System.nanoTime();
    detect.get();
    return (System.nanoTime() - t0) / 1e6;
  }

  /** ncnn's {@code [C, H, W]} (or {@code [C, N]}) as the model declares it, with the batch of 1 in front. */
  private static Tensor batched(Tensor t) {
    int[] shape = new int[t.rank() + 1];
    shape[0] = 1;
    System.arraycopy(t.shape(), 0, shape, 1, t.rank());
    return t.reshape(shape);
  }
}
