package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnReader;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.onnx.Onnx;
import dev.reparo.passes.Pipelines;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** int8 layers in the ncnn files: params, the layout ncnn's load_model reads, and a lossless read back. */
class Int8LoweringTest {
  static Graph lowered(String fixture) throws Exception {
    Path p = Path.of(Int8LoweringTest.class.getResource("/fixtures/" + fixture + "/model.onnx").toURI());
    Graph g = Onnx.read(p);
    Pipelines.deploy().run(g);
    NcnnLowering.lowerForQuantization(g); // what the quantizer sees: no kernel fits
    return g;
  }

  static CalibrationTable tableFor(List<QuantizableLayer> layers) {
    Map<String, float[]> w = new LinkedHashMap<>();
    Map<String, Float> in = new LinkedHashMap<>();
    for (QuantizableLayer l : layers) {
      w.put(l.name(), l.weightScales());
      in.put(l.name(), 42.5f);
    }
    return new CalibrationTable(w, in);
  }

  @Test
  void quantizedLayersStoreInt8WeightsThenScales() throws Exception {
    Graph g = lowered("yolov5lite_e-training-torchscript11-raw");
    List<QuantizableLayer> layers = QuantizableLayer.find(g);
    assertTrue(layers.size() > 10, "quantizable layers: " + layers.size());
    assertTrue(layers.stream().anyMatch(l -> l.type().equals("ConvolutionDepthWise")));
    NcnnFiles fp32 = NcnnWriter.render(g.copy(), NcnnWriter.WeightStorage.FP32);
    List<String> done = Int8Lowering.apply(g, tableFor(layers));
    assertEquals(layers.stream().map(QuantizableLayer::name).toList(), done);
    NcnnFiles int8 = NcnnWriter.render(g, NcnnWriter.WeightStorage.FP32);

    NcnnParam param = NcnnParam.parse(int8.param(), "int8.param");
    long expectedBin = fp32.bin().length;
    for (QuantizableLayer l : layers) {
      NcnnParam.Layer layer = param.layers().stream().filter(x -> x.name().equals(l.name())).findFirst().orElseThrow();
      assertEquals(l.type().equals("ConvolutionDepthWise") ? 1 : 2, layer.intParam(8, 0), l.name());
      int n = l.weight().size();
      // float weights (4n bytes) become int8 padded to 4, plus one scale per channel and the input scale
      expectedBin += -4L * n + (n + 3) / 4 * 4 + 4L * l.channels() + 4;
    }
    assertEquals(expectedBin, int8.bin().length);
    assertEquals(fp32.param().lines().count(), int8.param().lines().count());

    // The first layer's bytes in the .bin: int8 tag, quantized weights, padding, bias, scales.
    QuantizableLayer first = layers.get(0);
    ByteBuffer b = ByteBuffer.wrap(int8.bin()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0x000D4B38, b.getInt());
    byte[] q = WeightQuantization.quantize(first.weight().data(), first.weightScales());
    for (byte v : q) {
      assertEquals(v, b.get());
    }
  }

  @Test
  void layersLeftOutOfTheTableStayFp32AndPerTensorScalesAreStoredPerChannel() throws Exception {
    Graph g = lowered("yolov5lite_e-training-torchscript11-raw");
    List<QuantizableLayer> layers = QuantizableLayer.find(g);
    Map<String, float[]> w = new LinkedHashMap<>();
    Map<String, Float> in = new LinkedHashMap<>();
    for (QuantizableLayer l : layers) {
      w.put(l.name(), l.weightScales(WeightScaling.PER_TENSOR));
      in.put(l.name(), 42.5f);
    }
    List<String> kept = List.of(layers.get(0).name(), layers.get(layers.size() - 1).name());
    List<String> done = Int8Lowering.apply(g, new CalibrationTable(w, in).without(kept));
    assertEquals(layers.size() - 2, done.size());
    NcnnFiles int8 = NcnnWriter.render(g, NcnnWriter.WeightStorage.FP32);
    Graph back = NcnnReader.read(int8.param(), int8.bin(), "m.param", "m.bin");
    for (QuantizableLayer l : layers) {
      Node n = back.nodes().stream().filter(x -> x.name().equals(l.name())).findFirst().orElseThrow();
      if (kept.contains(l.name())) {
        assertEquals(0, n.attrInt("8", 0), l.name());
        assertArrayEquals(l.weight().data(), back.initializer(n.input(1)).data(), l.name() + " keeps FP32 weights");
        continue;
      }
      float[] scales = back.initializer(n.input(n.inputs().size() - 2)).data();
      assertEquals(l.channels(), scales.length, "ncnn reads one scale per output channel");
      float max = 0;
      for (float v : l.weight().data()) {
        max = Math.max(max, Math.abs(v));
      }
      for (float s : scales) {
        assertEquals(Thresholds.QMAX / max, s, 0, l.name());
      }
    }
  }

  @Test
  void readerDequantizesAndWriterReproducesTheBytes() throws Exception {
    Graph g = lowered("repvgg_stack-training-torchscript11");
    List<QuantizableLayer> layers = QuantizableLayer.find(g);
    assertFalse(layers.isEmpty());
    Int8Lowering.apply(g, tableFor(layers));
    NcnnFiles int8 = NcnnWriter.render(g, NcnnWriter.WeightStorage.FP32);
    Graph back = NcnnReader.read(int8.param(), int8.bin(), "m.param", "m.bin");
    for (QuantizableLayer l : layers) {
      Node n = back.nodes().stream().filter(x -> x.name().equals(l.name())).findFirst().orElseThrow();
      Tensor w = back.initializer(n.input(1));
      float[] scales = l.weightScales();
      int per = w.size() / scales.length;
      for (int i = 0; i < w.size(); i++) {
        float s = scales[i / per];
        float step = s == 0 ? 0 : 1 / s;
        assertEquals(l.weight().data()[i], w.data()[i], step * 0.5001 + 1e-7, l.name() + "[" + i + "]");
      }
      assertArrayEquals(scales, back.initializer(n.input(n.inputs().size() - 2)).data());
    }
    NcnnFiles again = NcnnWriter.render(back, NcnnWriter.WeightStorage.FP32);
    assertArrayEquals(int8.bin(), again.bin());
  }
}
