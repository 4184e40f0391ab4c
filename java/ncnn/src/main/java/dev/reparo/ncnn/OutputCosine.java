package dev.reparo.ncnn;

import dev.reparo.Tensor;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.eval.CocoMetrics;
import dev.reparo.eval.DetectionAgreement;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.quant.CalibrationTable;
import dev.reparo.quant.Cosine;
import dev.reparo.quant.Int8Lowering;
import java.util.ArrayList;
import java.util.List;

/**
 * How close a calibration table keeps the whole model to FP32: the table's int8 model and the FP32
 * model both run on ncnn over a fixed set of pre-processed inputs, and the measure is the mean
 * cosine similarity over every output and input (1 is exact). Used by {@link MixedPrecisionSearch}
 * and by {@code --method auto}. Not thread-safe (one per search).
 */
final class OutputCosine {
  private final Graph lowered;
  private final List<Tensor> inputs;
  private final NcnnOptions ncnn;
  private final List<List<Tensor>> reference;
  private final Detector detector;
  private final List<List<Detection>> referenceDetections;
  private int built;

  OutputCosine(Graph lowered, List<Tensor> inputs, NcnnOptions ncnn) {
    this(lowered, inputs, ncnn, null);
  }

  /** @param detector decodes outputs for {@link #agreement} (its thresholds apply), or null */
  OutputCosine(Graph lowered, List<Tensor> inputs, NcnnOptions ncnn, Detector detector) {
    this.lowered = lowered;
    this.inputs = List.copyOf(inputs);
    this.ncnn = ncnn;
    this.detector = detector;
    this.reference = run(lowered.copy());
    this.referenceDetections = detector == null ? null : reference.stream().map(this::decode).toList();
  }

  /** A table's cosine and, with a detector, its detection agreement with FP32 (NaN without). */
  record Score(double cosine, double map, double map50) {
    /** Better: higher output cosine (agreement is reported, not used: see NcnnCalibrator#autoSearch). */
    boolean beats(Score o) {
      return cosine > o.cosine;
    }
  }

  /** FP32 detections at or above this confidence are the labels of {@link #score}'s agreement. */
  static final float LABEL_CONF = 0.25f;

  /** Cosine and detection agreement of the model with the layers of {@code table} in int8. */
  Score score(CalibrationTable table) {
    Graph g = lowered.copy();
    Int8Lowering.apply(g, table);
    List<List<Tensor>> got = run(g);
    double cos = cosine(got);
    if (detector == null) {
      return new Score(cos, Double.NaN, Double.NaN);
    }
    CocoMetrics m = DetectionAgreement.score(referenceDetections, got.stream().map(this::decode).toList(),
        LABEL_CONF);
    return m == null ? new Score(cos, Double.NaN, Double.NaN) : new Score(cos, m.map(), m.map50());
  }

  int images() {
    return inputs.size();
  }

  /** Mean output cosine to FP32 of the model with the layers of {@code table} in int8. */
  double cosine(CalibrationTable table) {
    Graph g = lowered.copy();
    Int8Lowering.apply(g, table);
    return cosine(run(g));
  }

  /** Detections from ncnn's outputs, the batch axis ncnn drops put back. */
  private List<Detection> decode(List<Tensor> outputs) {
    return detector.decode(outputs.stream().map(t -> {
      int[] shape = new int[t.rank() + 1];
      shape[0] = 1;
      System.arraycopy(t.shape(), 0, shape, 1, t.rank());
      return t.reshape(shape);
    }).toList());
  }

  private double cosine(List<List<Tensor>> got) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < got.size(); i++) {
      for (int o = 0; o < got.get(i).size(); o++) {
        sum += Cosine.similarity(got.get(i).get(o).data(), reference.get(i).get(o).data());
        n++;
      }
    }
    return sum / n;
  }

  private List<List<Tensor>> run(Graph g) {
    NcnnFiles files = NcnnWriter.render(g, NcnnWriter.WeightStorage.FP32);
    List<List<Tensor>> out = new ArrayList<>();
    try (NcnnModel m = NcnnModel.load(files.paramBytes(), files.bin(), "cosine-" + built++, ncnn)) {
      for (Tensor in : inputs) {
        List<Tensor> outputs = new ArrayList<>();
        try (NcnnSession s = m.newSession()) {
          s.input(m.inputNames().get(0), in);
          for (String name : m.outputNames()) {
            outputs.add(s.extract(name));
          }
        }
        out.add(outputs);
      }
    }
    return out;
  }
}
