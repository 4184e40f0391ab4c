package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.onnx.Onnx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistributionShiftTest {
  /** Channel values x[i] = mean + sd * (+1, -1, +1, -1, ...): exactly that mean and (population) variance. */
  private static float[] alternating(int n, double mean, double sd) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (mean + (i % 2 == 0 ? sd : -sd));
    }
    return v;
  }

  @Test
  void measuresAgainstClosedForms() {
    // running stats: channel 0 mean 0 var 1, channel 1 mean 1 var 4, channel 2 mean -2 var 0.25; epsilon 0
    BatchNormStatistics s = new BatchNormStatistics("bn", "x", new float[] {0, 1, -2}, new float[] {1, 4, 0.25f}, 0);
    DistributionShift shift = new DistributionShift(List.of(s));
    // observed: ch0 mean 0.5 sd 1; ch1 mean 1.5 sd 4; ch2 mean -1 sd 1, over 2 images of 2x2 positions
    for (int image = 0; image < 2; image++) {
      float[] data = new float[3 * 4];
      System.arraycopy(alternating(4, 0.5, 1), 0, data, 0, 4);
      System.arraycopy(alternating(4, 1.5, 4), 0, data, 4, 4);
      System.arraycopy(alternating(4, -1, 1), 0, data, 8, 4);
      shift.add(0, Tensor.of(data, 1, 3, 2, 2));
      shift.countImage();
    }
    DistributionShift.Report r = shift.report();
    assertEquals(2, r.images());
    // mean shifts |Δμ|/σ: 0.5/1, 0.5/2, 1/0.5 -> median 0.5; variance changes |ln ratio|: 0, ln 4, ln 4 -> ln 4
    assertEquals(0.5, r.meanShift(), 1e-6);
    assertEquals(Math.log(4), r.varianceChange(), 1e-6);
    assertTrue(r.unlike());
    assertEquals(1, r.layers().size());
  }

  @Test
  void medianOverChannelsAndMeanOverLayers() {
    BatchNormStatistics a = new BatchNormStatistics("a", "x", new float[] {0, 0, 0}, new float[] {1, 1, 1}, 0);
    BatchNormStatistics b = new BatchNormStatistics("b", "y", new float[] {0}, new float[] {1}, 0);
    DistributionShift shift = new DistributionShift(List.of(a, b));
    float[] data = new float[3 * 2];
    System.arraycopy(alternating(2, 0.2, 2), 0, data, 0, 2); // shift 0.2, change ln 4
    System.arraycopy(alternating(2, 0.4, 2), 0, data, 2, 2); // shift 0.4, change ln 4
    System.arraycopy(alternating(2, 3.0, 1), 0, data, 4, 2); // shift 3, change 0
    shift.add(0, Tensor.of(data, 1, 3, 2));
    shift.add(1, Tensor.of(alternating(2, 1, 0.5), 1, 1, 2)); // shift 1, change ln 4
    DistributionShift.Report r = shift.report();
    assertEquals(0.4, r.layers().get(0).meanShift(), 1e-6);
    assertEquals(Math.log(4), r.layers().get(0).varianceChange(), 1e-6);
    assertEquals(1, r.layers().get(1).meanShift(), 1e-6);
    assertEquals((0.4 + 1) / 2, r.meanShift(), 1e-6);
    assertEquals(Math.log(4), r.varianceChange(), 1e-6);
    assertTrue(r.unlike(), "ln 4 = 1.39 is above the variance limit");
    assertEquals("b", r.worst(1).get(0).layer());
  }

  @Test
  void matchingStatisticsAreNotUnlike() {
    BatchNormStatistics s = new BatchNormStatistics("bn", "x", new float[] {0.3f, -1}, new float[] {2, 0.5f}, 1e-3);
    DistributionShift shift = new DistributionShift(List.of(s));
    float[] data = new float[2 * 6];
    System.arraycopy(alternating(6, 0.3, Math.sqrt(2)), 0, data, 0, 6);
    System.arraycopy(alternating(6, -1, Math.sqrt(0.5)), 0, data, 6, 6);
    shift.add(0, Tensor.of(data, 1, 2, 6));
    DistributionShift.Report r = shift.report();
    assertEquals(0, r.meanShift(), 1e-6);
    assertEquals(0, r.varianceChange(), 1e-6);
    assertFalse(r.unlike());
  }

  @Test
  void rejectsWrongChannelCountsAndEmptyReports() {
    BatchNormStatistics s = new BatchNormStatistics("bn", "x", new float[] {0, 0}, new float[] {1, 1}, 1e-5);
    DistributionShift shift = new DistributionShift(List.of(s));
    assertThrows(IllegalArgumentException.class, () -> shift.add(0, Tensor.zeros(1, 3, 2, 2)));
    assertThrows(IllegalStateException.class, shift::report);
    assertThrows(IllegalArgumentException.class, () -> new DistributionShift(List.of()));
  }

  private static Path fixture(String name) throws Exception {
    return Path.of(DistributionShiftTest.class.getResource("/fixtures/" + name + "/model.onnx").toURI());
  }

  @Test
  void findsTrainingFormBatchNormsAndNoneInFusedModels() throws Exception {
    Graph training = Onnx.read(fixture("yolov5lite_g-training-dynamo18-decoded"));
    List<BatchNormStatistics> stats = BatchNormStatistics.find(training);
    long bnNodes = training.nodes().stream().filter(n -> n.opType().equals("BatchNormalization")).count();
    assertTrue(bnNodes > 0);
    assertEquals(bnNodes, stats.size());
    Map<String, dev.reparo.Tensor> inits = training.initializers();
    for (BatchNormStatistics s : stats) {
      assertTrue(s.channels() > 0);
      for (float v : s.variance()) {
        assertTrue(v >= 0, s.layer() + " variance " + v);
      }
    }
    Graph tapped = BatchNormStatistics.tapped(training, stats);
    assertEquals(training.outputs(), tapped.outputs().subList(0, training.outputs().size()));
    assertTrue(tapped.outputs().stream().anyMatch(o -> o.name().equals(stats.get(0).input())));
    assertTrue(inits.size() > 0);
    assertTrue(BatchNormStatistics.find(Onnx.read(fixture("ultralytics_yolov8t-default-onnx18"))).isEmpty(),
        "Ultralytics exports fold BatchNorm into the convolutions");
  }
}
