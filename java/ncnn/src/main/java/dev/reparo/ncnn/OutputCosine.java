package dev.reparo.ncnn;

import dev.reparo.Tensor;
import dev.reparo.ReparoException;
import dev.reparo.detect.DetectParams;
import dev.reparo.detect.Detection;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.detect.Letterbox;
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
  private final DetectionTask task;
  private final DetectParams params;
  private final List<List<Detection>> referenceDetections;
  private int built;

  OutputCosine(Graph lowered, List<Tensor> inputs, NcnnOptions ncnn) {
    this(lowered, inputs, ncnn, null, null);
  }

  /**
   * @param task decodes outputs for {@link #score}'s detection agreement, or null for none; when
   *     its head cannot decode the FP32 outputs, agreement is left out (NaN) too
   * @param params the thresholds of that decoding
   */
  OutputCosine(Graph lowered, List<Tensor> inputs, NcnnOptions ncnn, DetectionTask task, DetectParams params) {
    this.lowered = lowered;
    this.inputs = List.copyOf(inputs);
    this.ncnn = ncnn;
    this.params = params;
    this.reference = run(lowered.copy());
    List<List<Detection>> decoded = null;
    if (task != null) {
      try {
        decoded = reference.stream().map(out -> decode(task, out)).toList();
      } catch (ReparoException e) {
        decoded = null; // no decodable head (metadata missing): the cosine alone is measured
      }
    }
    this.task = decoded == null ? null : task;
    this.referenceDetections = decoded;
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
    if (task == null) {
      return new Score(cos, Double.NaN, Double.NaN);
    }
    CocoMetrics m = DetectionAgreement.score(referenceDetections, got.stream().map(out -> decode(task, out)).toList(),
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

  /**
   * Detections from ncnn's outputs (the batch axis ncnn drops put back), boxes in input-tensor
   * pixels: the letterbox of an image the input's own size places it unchanged.
   */
  private List<Detection> decode(DetectionTask task, List<Tensor> outputs) {
    ImagePreprocessing p = task.preprocessing();
    Letterbox whole = p.letterbox(p.inputWidth(), p.inputHeight());
    return task.postprocess(outputs.stream().map(t -> {
      int[] shape = new int[t.rank() + 1];
      shape[0] = 1;
      System.arraycopy(t.shape(), 0, shape, 1, t.rank());
      return t.reshape(shape);
    }).toList(), whole, params);
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
