package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ReparoException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** What an engine build creates, checks and deletes, against a fake of TensorRT's builder; no GPU. */
class EngineBuilderTest {
  static final Path ONNX = Path.of("m/model.fused.onnx");
  static final long[] SHAPE = {1, 3, 320, 320};

  /**
   * Handles are counters; {@link #live} holds what is not deleted yet (parsers excepted: they are
   * never deleted). Call number {@link #failAt} among the creating and checking calls fails.
   */
  static final class FakeBuilder implements BuilderNatives {
    final Map<Long, String> live = new ConcurrentHashMap<>();
    final List<String> calls = new ArrayList<>();
    int failAt = -1;
    long[] declared = {1, 3, 320, 320};
    boolean profileAdded;
    private long next = 16;

    private boolean fails(String call) {
      calls.add(call);
      return calls.size() - 1 == failAt;
    }

    private long handle(String kind) {
      long h = next += 16;
      live.put(h, kind);
      return h;
    }

    @Override
    public long createBuilder() {
      return fails("builder") ? 0 : handle("builder");
    }

    @Override
    public long createNetwork(long builder, int flags) {
      assertEquals(EngineBuilder.NETWORK_FLAGS, flags);
      return fails("network") ? 0 : handle("network");
    }

    @Override
    public long createConfig(long builder) {
      return fails("config") ? 0 : handle("config");
    }

    @Override
    public long createParser(long network) {
      return fails("parser") ? 0 : next++;
    }

    @Override
    public List<String> parse(long parser, byte[] onnx) {
      return fails("parse") ? List.of("node 'up' (Resize): unsupported mode") : List.of();
    }

    @Override
    public void setWorkspace(long config, long bytes) {
      assertEquals(EngineBuilder.WORKSPACE_BYTES, bytes);
    }

    @Override
    public long[] inputDims(long network, String input) {
      return fails("inputDims") || !input.equals("images") ? null : declared.clone();
    }

    @Override
    public boolean addProfile(long builder, long config, String input, long[] shape) {
      assertArrayEquals(SHAPE, shape);
      profileAdded = !fails("profile");
      return profileAdded;
    }

    @Override
    public byte[] buildSerialized(long builder, long network, long config) {
      return fails("build") ? null : new byte[] {7, 7};
    }

    @Override
    public void delete(long object) {
      assertTrue(live.remove(object) != null, "delete of " + object + ", not live");
    }
  }

  static byte[] build(FakeBuilder nv) {
    return EngineBuilder.build(nv, new byte[] {1}, ONNX, "images", SHAPE, TensorRtPrecision.FP16);
  }

  @Test
  void aBuildDeletesBuilderNetworkAndConfig() {
    FakeBuilder nv = new FakeBuilder();
    assertArrayEquals(new byte[] {7, 7}, build(nv));
    assertEquals(Map.of(), nv.live);
    assertEquals(List.of("builder", "network", "config", "parser", "parse", "inputDims", "build"), nv.calls,
        "a fixed input needs no profile");
  }

  @Test
  void aDynamicInputGetsAProfileAtTheFixedShape() {
    FakeBuilder nv = new FakeBuilder();
    nv.declared = new long[] {-1, 3, -1, -1};
    build(nv);
    assertTrue(nv.profileAdded);
    FakeBuilder refused = new FakeBuilder();
    refused.declared = new long[] {-1, 3, -1, -1};
    refused.failAt = 6;
    ReparoException e = assertThrows(ReparoException.class, () -> build(refused));
    assertTrue(e.getMessage().contains("optimization profile [1, 3, 320, 320] for input 'images'"), e.getMessage());
    assertEquals(Map.of(), refused.live);
  }

  @Test
  void everyFailureSaysWhatFailedAndLeavesNothingBehind() {
    List<String> expected = List.of("could not create a builder", "could not create a network",
        "could not create a builder config", "could not create an ONNX parser",
        "ONNX parser refused it (FP16): node 'up' (Resize): unsupported mode", "has no input 'images'",
        "could not build an engine (FP16)");
    for (int k = 0; k < expected.size(); k++) {
      FakeBuilder nv = new FakeBuilder();
      nv.failAt = k;
      ReparoException e = assertThrows(ReparoException.class, () -> build(nv), "call " + k);
      assertTrue(e.getMessage().startsWith(ONNX + ": ") && e.getMessage().contains(expected.get(k)), e.getMessage());
      assertEquals(Map.of(), nv.live, "call " + k + " leaked");
    }
  }

  @Test
  void aNetworkInputThatDoesNotFitTheShapeIsRefused() {
    FakeBuilder nv = new FakeBuilder();
    nv.declared = new long[] {1, 3, 640, 640};
    ReparoException e = assertThrows(ReparoException.class, () -> build(nv));
    assertTrue(e.getMessage().contains("input 'images' is [1, 3, 640, 640] in the network"), e.getMessage());
    assertEquals(Map.of(), nv.live);
  }
}
