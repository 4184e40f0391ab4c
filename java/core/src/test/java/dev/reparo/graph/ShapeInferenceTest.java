package dev.reparo.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.testing.Ort;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Shapes inferred for single operators, compared with the shapes ONNX Runtime produces. */
class ShapeInferenceTest {
  private static Node.Builder op(String type, String... inputs) {
    return Node.builder(type).name(type.toLowerCase()).inputs(inputs).outputs("y");
  }

  /** A case: opset, input shape of "x", how to add nodes and initializers, output names. */
  private record Case(String name, long opset, int[] x, Consumer<Graph> body, List<String> outputs) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case one(String name, long opset, int[] x, Consumer<Graph> body) {
    return new Case(name, opset, x, body, List.of("y"));
  }

  private static int[] s(int... dims) {
    return dims;
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        one("grouped strided conv", 13, s(1, 4, 9, 9), g -> {
          g.putInitializer("w", Tensor.zeros(6, 2, 3, 3));
          g.addNode(op("Conv", "x", "w").intAttr("group", 2).intsAttr("strides", 2, 2).intsAttr("pads", 1, 1, 1, 1).build());
        }),
        one("same-padded strided conv", 13, s(1, 2, 10, 7), g -> {
          g.putInitializer("w", Tensor.zeros(3, 2, 3, 3));
          g.putInitializer("b", Tensor.zeros(3));
          g.addNode(op("Conv", "x", "w", "b").intsAttr("strides", 2, 2).stringAttr("auto_pad", "SAME_UPPER").build());
        }),
        one("dilated conv", 13, s(1, 2, 11, 8), g -> {
          g.putInitializer("w", Tensor.zeros(3, 2, 3, 2));
          g.addNode(op("Conv", "x", "w").intsAttr("dilations", 2, 3).intsAttr("pads", 0, 1, 2, 0).build());
        }),
        one("ceil-mode max pool", 13, s(1, 1, 10, 10), g -> g.addNode(op("MaxPool", "x").intsAttr("kernel_shape", 3, 3)
            .intsAttr("strides", 2, 2).intsAttr("pads", 1, 1, 1, 1).intAttr("ceil_mode", 1).build())),
        one("ceil-mode average pool", 13, s(1, 1, 7, 7), g -> g.addNode(op("AveragePool", "x").intsAttr("kernel_shape", 2, 2)
            .intsAttr("strides", 2, 2).intAttr("ceil_mode", 1).build())),
        one("global average pool", 13, s(2, 3, 5, 4), g -> g.addNode(op("GlobalAveragePool", "x").build())),
        one("resize by scales", 13, s(1, 2, 5, 3), g -> {
          g.putInitializer("scales", Tensor.of(new float[] {1, 1, 2, 1.5f}, 4));
          g.addNode(op("Resize", "x", "", "scales").stringAttr("mode", "nearest").build());
        }),
        one("resize to sizes", 18, s(1, 2, 5, 3), g -> {
          g.putInitializer("sizes", LongTensor.vector(1, 2, 9, 7));
          g.addNode(op("Resize", "x", "", "", "sizes").stringAttr("mode", "nearest").build());
        }),
        one("upsample (opset 9)", 9, s(1, 2, 3, 3), g -> {
          g.putInitializer("scales", Tensor.of(new float[] {1, 1, 2, 2}, 4));
          g.addNode(op("Upsample", "x", "scales").build());
        }),
        new Case("split into uneven num_outputs (opset 18)", 18, s(1, 10), g -> g.addNode(Node.builder("Split").name("split")
            .inputs("x").outputs("a", "b", "c").intAttr("axis", 1).intAttr("num_outputs", 3).build()), List.of("a", "b", "c")),
        new Case("split by sizes input (opset 13)", 13, s(2, 5), g -> {
          g.putInitializer("sizes", LongTensor.vector(2, 3));
          g.addNode(Node.builder("Split").name("split").inputs("x", "sizes").outputs("a", "b").intAttr("axis", -1).build());
        }, List.of("a", "b")),
        one("slice with negative step", 13, s(3, 10), g -> {
          g.putInitializer("starts", LongTensor.vector(-1));
          g.putInitializer("ends", LongTensor.vector(Long.MIN_VALUE));
          g.putInitializer("axes", LongTensor.vector(1));
          g.putInitializer("steps", LongTensor.vector(-3));
          g.addNode(op("Slice", "x", "starts", "ends", "axes", "steps").build());
        }),
        one("flatten", 13, s(2, 3, 4, 5), g -> g.addNode(op("Flatten", "x").intAttr("axis", 2).build())),
        one("gemm", 13, s(2, 4), g -> {
          g.putInitializer("b", Tensor.zeros(3, 4));
          g.putInitializer("c", Tensor.zeros(3));
          g.addNode(op("Gemm", "x", "b", "c").intAttr("transB", 1).build());
        }),
        one("batched matmul", 13, s(2, 1, 3, 4), g -> {
          g.putInitializer("b", Tensor.zeros(5, 4, 6));
          g.addNode(op("MatMul", "x", "b").build());
        }),
        one("transpose without perm", 13, s(2, 3, 4), g -> g.addNode(op("Transpose", "x").build())),
        one("reshape with 0 and -1", 13, s(2, 3, 4), g -> {
          g.putInitializer("shape", LongTensor.vector(0, -1, 2));
          g.addNode(op("Reshape", "x", "shape").build());
        }),
        one("concat on the last axis", 13, s(2, 3), g -> {
          g.putInitializer("c", Tensor.zeros(2, 5));
          g.addNode(op("Concat", "x", "c").intAttr("axis", -1).build());
        }),
        one("reduce mean, axes input (opset 18)", 18, s(2, 3, 4), g -> {
          g.putInitializer("axes", LongTensor.vector(-1, 0));
          g.addNode(op("ReduceMean", "x", "axes").intAttr("keepdims", 0).build());
        }),
        one("reduce mean, axes attribute (opset 13)", 13, s(2, 3, 4), g ->
            g.addNode(op("ReduceMean", "x").intsAttr("axes", 1).build())),
        one("expand", 13, s(3, 1), g -> {
          g.putInitializer("shape", LongTensor.vector(2, 1, 4));
          g.addNode(op("Expand", "x", "shape").build());
        }),
        one("squeeze all ones (opset 11)", 11, s(1, 3, 1, 2), g -> g.addNode(op("Squeeze", "x").build())),
        one("broadcasting add", 13, s(4, 1, 3), g -> {
          g.putInitializer("b", Tensor.zeros(2, 1));
          g.addNode(op("Add", "x", "b").build());
        }),
        one("where", 13, s(2, 3), g -> {
          g.putInitializer("cond", LongTensor.of(DataType.BOOL, new long[] {1, 0, 1}, 3));
          g.putInitializer("other", Tensor.zeros(1));
          g.addNode(op("Where", "cond", "x", "other").build());
        })).map(Arguments::of);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void infersTheShapesOnnxRuntimeProduces(Case c) {
    Graph g = new Graph("one op", c.opset());
    g.addInput(ValueInfo.of("x", DataType.FLOAT, Arrays.stream(c.x()).asLongStream().toArray()));
    c.body().accept(g);
    c.outputs().forEach(o -> g.addOutput(ValueInfo.unknown(o)));
    GraphValidator.validate(g);
    ShapeInference.Result inferred = ShapeInference.infer(g);

    Map<String, Tensor> feeds = new HashMap<>();
    feeds.put("x", Tensor.zeros(c.x()));
    Map<String, Tensor> actual = Ort.run(OnnxWriter.toBytes(g), feeds);
    for (String out : c.outputs()) {
      Shape s = inferred.shape(out);
      assertTrue(s.isKnown(), out + " has shape " + s);
      assertArrayEquals(actual.get(out).shape(), Arrays.stream(s.toArray()).mapToInt(Math::toIntExact).toArray(),
          out + ": inferred " + s);
      assertEquals(DataType.FLOAT, inferred.info(out).type());
    }
  }
}
