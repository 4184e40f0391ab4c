package dev.reparo.quant;

import dev.reparo.graph.Graph;
import java.util.List;

/**
 * The depth-wise convolutions of a lowered graph (one input channel per group, as many groups as
 * output channels): calibrate keeps them in FP32 unless asked otherwise, because ncnn's int8
 * depth-wise kernels are slower than its FP32 ones on x86. Measured on the full-size YOLOv5-Lite-s
 * fixture (19 depth-wise 3x3 layers, 320x320, 1 thread, AMD EPYC with AVX-512 VNNI, ncnn
 * 1.0.20261020): the depth-wise layers took 2.91 ms in int8 against 1.28 ms in FP32 (each layer
 * timed in one extractor), and the int8 model ran 1.19x faster than FP32 with them in int8, 1.48x
 * with them in FP32 (alternating rounds, benchmarks/README.md). They hold about 2% of that model's
 * multiply-adds, so int8 has little to gain there, while each one costs a quantize and a dequantize
 * of a whole feature map. On ARM ncnn has NEON int8 depth-wise kernels that this was not measured
 * against; {@code --int8-depthwise} quantizes them. Stateless.
 */
public final class DepthwiseLayers {
  private DepthwiseLayers() {}

  /** Names of the depth-wise ConvolutionDepthWise layers of a lowered graph, in graph order. */
  public static List<String> find(Graph lowered) {
    return QuantizableLayer.find(lowered).stream()
        .filter(QuantizableLayer::isDepthwise)
        .map(QuantizableLayer::name)
        .toList();
  }
}
