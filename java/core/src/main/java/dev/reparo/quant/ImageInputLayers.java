package dev.reparo.quant;

import dev.reparo.graph.Graph;
import dev.reparo.graph.ValueInfo;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The convolutions that read the image itself (a graph input with at most {@link #MAX_CHANNELS}
 * channels): the stem of a detector. calibrate keeps them in FP32 unless asked otherwise, because
 * int8 neither speeds them up nor keeps them accurate: with 3 input channels ncnn cannot pack the
 * input for its int8 kernels and must quantize the whole image first, which made the demo model's
 * stem 2.1x slower in int8 than in FP32 (0.97 vs 2.01 ms, ncnn's per-layer timer, AVX2), more than
 * all the other layers' int8 gains together; and the stem's quantization error reaches every later
 * layer. Stateless.
 */
public final class ImageInputLayers {
  /** Inputs with more channels than this are feature maps, not images. */
  public static final int MAX_CHANNELS = 4;

  private ImageInputLayers() {}

  /** Names of the quantizable layers of a lowered graph that read an image input, in graph order. */
  public static List<String> find(Graph lowered) {
    Set<String> inputs = lowered.inputs().stream().map(ValueInfo::name).collect(Collectors.toSet());
    return QuantizableLayer.find(lowered).stream()
        .filter(l -> !l.type().equals("InnerProduct") && inputs.contains(l.input()))
        .filter(l -> l.inputChannelsPerGroup() > 0 && l.inputChannelsPerGroup() <= MAX_CHANNELS)
        .map(QuantizableLayer::name)
        .toList();
  }
}
