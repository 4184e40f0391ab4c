package dev.reparo.passes.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnReader;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.Graph;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.onnx.Onnx;
import dev.reparo.passes.Pipelines;
import dev.reparo.testing.Fixture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture, imported and deployed, lowers to ncnn and writes a param that parses and
 * round-trips byte for byte. (The numbers are checked in ncnn itself, in the reparo-ncnn module.)
 */
class NcnnFixturesLoweringTest {
  static Stream<Fixture> fixtures() {
    return Fixture.withReferences().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void lowersWritesAndRoundTrips(Fixture fixture) {
    Graph g = Onnx.read(fixture.model());
    Pipelines.deploy().run(g);
    try {
      NcnnLowering.lower(g);
    } catch (UnsupportedOpException e) {
      System.out.println(fixture.name() + ": " + e.getMessage());
      throw e;
    }
    for (WeightStorage storage : WeightStorage.values()) {
      NcnnFiles files = NcnnWriter.render(g, storage);
      NcnnParam param = NcnnParam.parse(files.param(), fixture.name());
      assertTrue(param.layers().stream().noneMatch(l -> l.type().equals("BatchNorm")),
          "deploy form keeps no BatchNorm");
      Graph read = NcnnReader.read(files.param(), files.bin(), fixture.name() + ".param", fixture.name() + ".bin");
      NcnnFiles again = NcnnWriter.render(read, storage);
      assertEquals(files.param(), again.param());
      assertArrayEquals(files.bin(), again.bin());
    }
  }
}
