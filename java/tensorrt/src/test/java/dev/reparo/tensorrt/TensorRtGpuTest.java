package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.format.npy.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorRT engines on a GPU: FP32, FP16 and INT8 against their oracles, the engine cache, concurrent
 * calls and 100 load/close cycles with flat GPU memory. Skipped, with the probe's reason, where
 * there is no NVIDIA GPU with TensorRT; {@code -Dreparo.requireGpu=true} turns that skip into a
 * failure, for the machine that is meant to run them (the README's TensorRT command).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TensorRtGpuTest {
  static final Path FIXTURE = CastToFloat16Test.FIXTURE;
  static final TensorRtBackend BACKEND = new TensorRtBackend();

  @TempDir
  static Path dir;

  static DeployedModel fp32;
  static Tensor input;

  /** Each test, so that each is reported skipped with the reason. */
  @BeforeEach
  void needsTensorRt() throws Exception {
    if (!BACKEND.isAvailable()) {
      String why = "no TensorRT here: " + BACKEND.unavailableReason();
      if (Boolean.getBoolean("reparo.requireGpu")) {
        fail("-Dreparo.requireGpu=true but " + why);
      }
      System.out.println("skipped, " + why);
      Assumptions.abort(why);
    }
    synchronized (TensorRtGpuTest.class) {
      if (fp32 == null) {
        System.out.println("TensorRT GPU tests on " + BACKEND.describe());
        fp32 = new ConversionCache(dir.resolve("models")).deploy(FIXTURE.resolve("model.onnx"));
        input = Npy.read(FIXTURE.resolve("input.npy"));
      }
    }
  }

  static List<Tensor> pytorch() throws Exception {
    JsonNode info = new ObjectMapper().readTree(FIXTURE.resolve("info.json").toFile());
    List<Tensor> want = new ArrayList<>();
    for (JsonNode o : info.get("outputs")) {
      want.add(Npy.read(FIXTURE.resolve(o.get("file").asText())));
    }
    return want;
  }

  /** Largest |a - b| over the largest |a|, per output. */
  static void assertClose(List<Tensor> want, List<Tensor> got, float relative, String what) {
    assertClose(want, got, relative, what, true);
  }

  static void assertClose(List<Tensor> want, List<Tensor> got, float relative, String what, boolean print) {
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i).shape(), got.get(i).shape());
      float peak = CastToFloat16Test.maxAbs(want.get(i).data());
      float worst = CastToFloat16Test.maxAbsDiff(want.get(i).data(), got.get(i).data());
      if (print) {
        System.out.printf("%s output %d: max |error| %.4g on values up to %.4g%n", what, i, worst, peak);
      }
      assertTrue(worst <= relative * peak, what + " output " + i + ": max error " + worst + " on values up to " + peak);
    }
  }

  @Test
  @Order(1)
  void fp32EngineMatchesPyTorch() throws Exception {
    try (LoadedModel m = BACKEND.load(fp32, LoadOptions.defaults())) {
      // TF32 convolutions on Ampere and later: about 1e-3 relative.
      assertClose(pytorch(), m.run(input), 2e-3f, "FP32");
    }
  }

  @Test
  @Order(2)
  void fp16EngineMatchesPyTorchWithinHalfPrecision() throws Exception {
    try (LoadedModel m = BACKEND.load(fp32, new LoadOptions(0, true, 0))) {
      // The FP16 rewrite on ONNX Runtime's CPU provider: 0.6% (CastToFloat16Test); TensorRT's half
      // kernels accumulate in float32 or half, so allow 2%.
      assertClose(pytorch(), m.run(input), 2e-2f, "FP16");
    }
  }

  @Test
  @Order(3)
  void int8EngineMatchesItsQdqGraphOnOnnxRuntime() throws Exception {
    DeployedModel int8 = Int8Fixture.write(fp32, input, dir.resolve("int8"));
    Map<String, float[]> want = CastToFloat16Test.run(EngineBuilder.read(int8.file(Artefact.ONNX_QDQ)), int8.inputName(),
        input.data(), 1, 3, 320, 320);
    try (LoadedModel m = BACKEND.load(int8, LoadOptions.defaults())) {
      List<Tensor> got = m.run(input);
      for (int i = 0; i < got.size(); i++) {
        double c = Int8FixtureTest.cosine(want.get(int8.outputNames().get(i)), got.get(i).data());
        System.out.printf("INT8 engine output %d: cosine to the Q/DQ graph on ONNX Runtime %.5f%n", i, c);
        assertTrue(c > 0.99, "INT8 output " + i + ": cosine " + c);
      }
    }
  }

  @Test
  @Order(4)
  void aSecondLoadReadsTheCachedEngine() throws Exception {
    TensorRtRuntime.Status s = TensorRtRuntime.status();
    long[] shape = EngineInputShape.of(fp32);
    Path file = TensorRtBackend.standardCache().file(TensorRtBackend.key(EngineBuilder.read(fp32.file(Artefact.ONNX)), shape,
        TensorRtPrecision.FP32, s));
    Files.deleteIfExists(file);
    long t0 = System.nanoTime();
    try (LoadedModel m = BACKEND.load(fp32, LoadOptions.defaults())) {
      m.run(input);
    }
    long built = System.nanoTime() - t0;
    assertTrue(Files.size(file) > 0, "the engine was stored at " + file);
    long stamp = Files.getLastModifiedTime(file).toMillis();
    t0 = System.nanoTime();
    try (LoadedModel m = BACKEND.load(fp32, LoadOptions.defaults())) {
      m.run(input);
    }
    long cached = System.nanoTime() - t0;
    System.out.printf("FP32 load: %.0f ms building, %.0f ms from the cache%n", built / 1e6, cached / 1e6);
    assertEquals(stamp, Files.getLastModifiedTime(file).toMillis(), "not rebuilt");
    assertTrue(cached < built, "reading the engine is faster than building it");
  }

  @Test
  @Order(5)
  void concurrentCallsEachGetAContextAndAgree() throws Exception {
    try (LoadedModel m = BACKEND.load(fp32, LoadOptions.defaults())) {
      List<Tensor> one = m.run(input);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<List<Tensor>>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          calls.add(pool.submit(() -> m.run(input)));
        }
        for (Future<List<Tensor>> f : calls) {
          assertClose(one, f.get(), 1e-4f, "concurrent", false); // same engine and kernels: equal up to reduction order
        }
      } finally {
        pool.shutdown();
      }
      int slots = ((TensorRtModel) m).slots();
      System.out.println("execution contexts after 200 calls on 8 threads: " + slots);
      assertTrue(slots > 1 && slots <= 8, "slots " + slots);
    }
  }

  @Test
  @Order(6)
  void hundredLoadCloseCyclesKeepGpuMemoryFlat() throws Exception {
    for (int i = 0; i < 3; i++) { // warm-up: CUDA context, cuBLAS/cuDNN handles, the cached engine
      try (LoadedModel m = BACKEND.load(fp32, LoadOptions.defaults())) {
        m.run(input);
      }
    }
    long free = CudaEngineNatives.deviceFreeBytes();
    long deleted = CudaEngineNatives.deleted();
    for (int i = 0; i < 100; i++) {
      try (LoadedModel m = BACKEND.load(fp32, LoadOptions.defaults())) {
        m.run(input);
      }
    }
    long drop = free - CudaEngineNatives.deviceFreeBytes();
    long deletes = CudaEngineNatives.deleted() - deleted;
    System.out.printf("100 load/close cycles: GPU free memory dropped by %.1f MiB; %d TensorRT objects deleted%n",
        drop / 1048576.0, deletes);
    assertTrue(deletes >= 300, "runtime, engine and context deleted every cycle: " + deletes);
    // A leaked engine and context per cycle would be several MiB each: 100 of them, hundreds of MiB.
    assertTrue(drop < 32L << 20, "GPU memory not flat: " + drop / 1048576 + " MiB less free");
  }
}
