package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What TensorRtModel creates, checks and releases, against {@link FakeEngineNatives}; no GPU. */
class TensorRtModelTest {
  static final DeployedModel MODEL = new DeployedModel(Path.of("m"), "m.onnx", "0".repeat(64), "images",
      new long[] {1, 3, 4, 4}, List.of("out0", "out1"), List.of(new long[] {1, 6}, new long[] {2, 3}), Map.of(),
      Map.of(), false, Map.of());
  static final long[] SHAPE = {1, 3, 4, 4};

  static TensorRtModel open(FakeEngineNatives nv) {
    return TensorRtModel.open(nv, new byte[] {1}, MODEL, SHAPE, "plan.engine");
  }

  @Test
  void closeDeletesContextEngineAndRuntimeAndFreesEveryBuffer() {
    FakeEngineNatives nv = new FakeEngineNatives();
    TensorRtModel m = open(nv);
    // runtime, engine, context, stream, input and two output buffers
    assertEquals(7, nv.live.size(), nv.live.toString());
    m.close();
    assertEquals(Map.of(), nv.live, "everything released");
    assertEquals(3, nv.deletes.get(), "C++ delete of context, engine and runtime");
    m.close();
    assertEquals(3, nv.deletes.get(), "close is idempotent");
    assertThrows(IllegalStateException.class, () -> m.run(Tensor.of(new float[48], 1, 3, 4, 4)));
  }

  @Test
  void aFailureAtAnyCreationStepReleasesWhatWasCreatedAndSaysWhat() {
    FakeEngineNatives counting = new FakeEngineNatives();
    open(counting).close();
    int steps = counting.creations.get();
    // runtime, engine, context, stream, 3 buffers and their 3 bindings
    assertEquals(10, steps);
    List<String> messages = new ArrayList<>();
    for (int k = 0; k < steps; k++) {
      FakeEngineNatives nv = new FakeEngineNatives();
      nv.failAt = k;
      ReparoException e = assertThrows(ReparoException.class, () -> open(nv), "step " + k);
      assertEquals(Map.of(), nv.live, "step " + k + " (" + e.getMessage() + ") leaked");
      messages.add(e.getMessage());
    }
    assertTrue(messages.get(0).contains("could not create a runtime"), messages.get(0));
    assertTrue(messages.get(1).contains("plan.engine") && messages.get(1).contains("did not deserialize"),
        messages.get(1));
    assertTrue(messages.get(2).contains("execution context"), messages.get(2));
    assertTrue(messages.get(3).contains("cudaStreamCreate"), messages.get(3));
    assertTrue(messages.get(5).contains("tensor 'images'"), messages.get(5));
    assertTrue(messages.get(9).contains("tensor 'out1'"), messages.get(9));
  }

  @Test
  void aNonFloatTensorOrAWrongInputShapeIsRefusedWithoutLeaking() {
    FakeEngineNatives nv = new FakeEngineNatives();
    nv.notFloat = "out1";
    ReparoException e = assertThrows(ReparoException.class, () -> open(nv));
    assertTrue(e.getMessage().contains("'out1' is not float32"), e.getMessage());
    assertEquals(Map.of(), nv.live);
    FakeEngineNatives other = new FakeEngineNatives();
    other.engineInput = new long[] {1, 3, 8, 8};
    e = assertThrows(ReparoException.class, () -> open(other));
    assertTrue(e.getMessage().contains("input 'images' is [1, 3, 8, 8]"), e.getMessage());
    assertEquals(Map.of(), other.live);
  }

  @Test
  void aDynamicEngineInputIsSetOnEveryContextAndAFailureThereReleasesTheSlot() {
    FakeEngineNatives nv = new FakeEngineNatives();
    nv.engineInput = new long[] {-1, 3, -1, -1};
    try (TensorRtModel m = open(nv)) {
      assertEquals(11, nv.creations.get(), "setInputShape is one more step");
      assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2}, m.run(input(2)).get(0).data());
    }
    FakeEngineNatives failing = new FakeEngineNatives();
    failing.engineInput = new long[] {-1, 3, -1, -1};
    failing.failAt = 3;
    ReparoException e = assertThrows(ReparoException.class, () -> open(failing));
    assertTrue(e.getMessage().contains("refused input shape [1, 3, 4, 4]"), e.getMessage());
    assertEquals(Map.of(), failing.live);
  }

  static Tensor input(float v) {
    float[] x = new float[48];
    java.util.Arrays.fill(x, v);
    return Tensor.of(x, 1, 3, 4, 4);
  }

  @Test
  void concurrentCallsEachGetTheirOwnContextAndAllAreReleased() throws Exception {
    FakeEngineNatives nv = new FakeEngineNatives();
    TensorRtModel m = open(nv);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        float v = i;
        calls.add(pool.submit(() -> {
          List<Tensor> out = m.run(input(v));
          return out.get(0).data()[5] == v && out.get(1).data()[0] == 2 * v && out.get(1).shape()[0] == 2;
        }));
      }
      for (Future<Boolean> f : calls) {
        assertTrue(f.get(), "a call saw another call's data");
      }
    } finally {
      pool.shutdown();
    }
    int slots = m.slots();
    assertTrue(slots >= 1 && slots <= 8, "slots " + slots);
    m.close();
    assertEquals(Map.of(), nv.live);
    assertEquals(2 + slots, nv.deletes.get(), "one delete per context, plus engine and runtime");
  }
}
