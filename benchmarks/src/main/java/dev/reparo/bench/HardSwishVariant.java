package dev.reparo.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Derives the HardSwish form of a SiLU fixture the way PyTorch exports {@code nn.Hardswish} below
 * opset 14: every {@code x * Sigmoid(x)} becomes {@code x * HardSigmoid(x; alpha 1/6, beta 0.5)}
 * (sigmoids not multiplied with their own input, such as a decoded head's, stay). No PyTorch model
 * exists for it, so the reference outputs are ONNX Runtime's on the derived ONNX (1 thread, graph
 * optimisations off), written as the fixture's {@code output_<i>.npy}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.reparo.bench.HardSwishVariant FIXTURE_DIR OUT_DIR</pre>
 */
public final class HardSwishVariant {
  private HardSwishVariant() {}

  public static void main(String[] args) throws Exception {
    Path src = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Graph g = Onnx.read(src.resolve("model.onnx"));
    int replaced = 0;
    for (Node mul : List.copyOf(g.nodes())) {
      if (!mul.opType().equals("Mul") || mul.inputs().size() != 2) {
        continue;
      }
      for (int i = 0; i < 2; i++) {
        Node sigmoid = g.producer(mul.input(i));
        if (sigmoid != null && sigmoid.opType().equals("Sigmoid") && sigmoid.input(0).equals(mul.input(1 - i))) {
          g.replaceNode(sigmoid, Node.builder("HardSigmoid").name(sigmoid.name()).inputs(sigmoid.input(0))
              .outputs(sigmoid.output(0)).floatAttr("alpha", 1f / 6).floatAttr("beta", 0.5f).build());
          replaced++;
          break;
        }
      }
    }
    Files.createDirectories(out);
    byte[] model = OnnxWriter.toBytes(g);
    Files.write(out.resolve("model.onnx"), model);
    Files.copy(src.resolve("input.npy"), out.resolve("input.npy"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(src.resolve("info.json"), out.resolve("info.json"), StandardCopyOption.REPLACE_EXISTING);
    Tensor x = Npy.read(src.resolve("input.npy"));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      long[] shape = java.util.Arrays.stream(x.shape()).asLongStream().toArray();
      try (OrtSession session = env.createSession(model, so);
          OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), shape);
          OrtSession.Result result = session.run(Map.of(g.inputs().get(0).name(), in))) {
        for (int i = 0; i < result.size(); i++) {
          OnnxTensor t = (OnnxTensor) result.get(i);
          float[] v = new float[Math.toIntExact(t.getInfo().getNumElements())];
          t.getFloatBuffer().get(v);
          int[] dims = java.util.Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
          Npy.write(out.resolve("output_" + i + ".npy"), Tensor.of(v, dims));
        }
      }
    }
    System.out.printf("%s: %d SiLU -> x * HardSigmoid(x); references from ONNX Runtime%n", out.getFileName(), replaced);
  }
}
