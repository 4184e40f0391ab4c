package dev.reparo.quant;

import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the layers a calibration table names into ncnn int8 layers: param 8 (int8_scale_term) is
 * set (2 for Convolution and InnerProduct, 1 for ConvolutionDepthWise: per-output-channel or
 * per-group weight scales), and the weight scales and input scale become weights read after the
 * bias. {@link dev.reparo.format.ncnn.NcnnWriter} then stores the weights as int8. Layers the table
 * does not name stay FP32. Stateless and thread-safe; mutates the graph it is given.
 */
public final class Int8Lowering {
  private Int8Lowering() {}

  /**
   * Quantizes the table's layers in a lowered graph.
   *
   * @return the names of the layers made int8, in graph order
   * @throws IllegalArgumentException if a table entry has the wrong number of weight scales
   */
  public static List<String> apply(Graph lowered, CalibrationTable table) {
    List<String> done = new ArrayList<>();
    for (QuantizableLayer layer : QuantizableLayer.find(lowered)) {
      if (!table.quantizes(layer.name())) {
        continue;
      }
      float[] scales = table.weightScales(layer.name());
      if (scales.length != layer.channels()) {
        throw new IllegalArgumentException("calibration table gives layer '" + layer.name() + "' " + scales.length
            + " weight scales; it has " + layer.channels() + " channels");
      }
      Node node = null;
      for (Node n : lowered.nodes()) {
        if (n.name().equals(layer.name())) {
          node = n;
          break;
        }
      }
      String ws = lowered.uniqueName(layer.name() + ".weight_scales");
      lowered.putInitializer(ws, Tensor.of(scales, scales.length));
      String is = lowered.uniqueName(layer.name() + ".input_scale");
      lowered.putInitializer(is, Tensor.of(new float[] {table.inputScale(layer.name())}, 1));
      List<String> inputs = new ArrayList<>(node.inputs());
      inputs.add(ws);
      inputs.add(is);
      int term = layer.type().equals("ConvolutionDepthWise") ? 1 : 2;
      lowered.replaceNode(node, node.withInputs(inputs).withAttribute(Attribute.of("8", (long) term)));
      done.add(layer.name());
    }
    return done;
  }
}
