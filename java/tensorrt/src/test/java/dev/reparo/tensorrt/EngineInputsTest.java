package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.ModelMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an engine is built from and for: the cache key's inputs and the fixed input shape; no GPU. */
class EngineInputsTest {
  static final TensorRtRuntime.Status GPU = new TensorRtRuntime.Status("", "NVIDIA H200", 9, 0, "11.2.1", "13.3",
      "13.3");

  static DeployedModel withInput(long[] shape, Map<String, String> metadata) {
    return new DeployedModel(Path.of("models/m"), "m.onnx", "0".repeat(64), "images", shape, List.of("out"),
        List.of(new long[] {1, 6}), Map.of(), Map.of(), false, metadata);
  }

  @Test
  void aRecalibratedQdqOnnxGetsANewEngineUnderTheSameSourceHash(@TempDir Path dir) throws Exception {
    DeployedModel m = new ConversionCache(dir.resolve("cache")).deploy(CastToFloat16Test.FIXTURE.resolve("model.onnx"));
    Path qdq = m.dir().resolve("model.qdq.onnx");
    Map<String, String> files = new HashMap<>(m.files());
    files.put(Artefact.ONNX_QDQ.key(), "model.qdq.onnx");
    DeployedModel q = new DeployedModel(m.dir(), m.sourceFile(), m.sourceSha256(), m.inputName(), m.inputShape(),
        m.outputNames(), m.outputShapes(), files, m.sha256(), false, m.metadata());
    long[] shape = EngineInputShape.of(q);
    Files.write(qdq, new byte[] {1, 2, 3});
    EngineCacheKey first = TensorRtBackend.key(EngineBuilder.read(q.file(Artefact.ONNX_QDQ)), shape, TensorRtPrecision.INT8,
        GPU);
    Files.write(qdq, new byte[] {1, 2, 4}); // `reparo calibrate` again, other thresholds
    EngineCacheKey second = TensorRtBackend.key(EngineBuilder.read(q.file(Artefact.ONNX_QDQ)), shape, TensorRtPrecision.INT8,
        GPU);
    assertNotEquals(first.fileName(), second.fileName());
    assertEquals(second, TensorRtBackend.key(new byte[] {1, 2, 4}, shape, TensorRtPrecision.INT8, GPU), "stable");
  }

  @Test
  void theFp16KeyCoversTheRewriteVersionAndTheRewriteIsDeterministic(@TempDir Path dir) throws Exception {
    DeployedModel m = new ConversionCache(dir).deploy(CastToFloat16Test.FIXTURE.resolve("model.onnx"));
    byte[] onnx = EngineBuilder.read(m.file(Artefact.ONNX));
    long[] shape = m.inputShape();
    assertArrayEquals(onnx, EngineBuilder.networkBytes(onnx, m.file(Artefact.ONNX), TensorRtPrecision.FP32, shape),
        "FP32 builds the converted ONNX as it is");
    byte[] fp16 = EngineBuilder.networkBytes(onnx, m.file(Artefact.ONNX), TensorRtPrecision.FP16, shape);
    assertFalse(java.util.Arrays.equals(onnx, fp16));
    assertArrayEquals(fp16, EngineBuilder.networkBytes(onnx, m.file(Artefact.ONNX), TensorRtPrecision.FP16, shape),
        "the same ONNX always rewrites to the same bytes, so its key may name the source bytes");
    EngineCacheKey k16 = TensorRtBackend.key(onnx, shape, TensorRtPrecision.FP16, GPU);
    EngineCacheKey k32 = TensorRtBackend.key(onnx, shape, TensorRtPrecision.FP32, GPU);
    assertTrue(k16.builderSettings().contains(CastToFloat16.VERSION), k16.builderSettings());
    assertFalse(k32.builderSettings().contains(CastToFloat16.VERSION));
    assertEquals(dev.reparo.io.Digests.sha256(onnx), k16.onnxSha256(), "the bytes built, not the source model");
    assertNotEquals(m.sourceSha256(), k16.onnxSha256());
    assertNotEquals(k16, k32);
  }

  @Test
  void aFixedInputIsBuiltAsItIs() {
    assertArrayEquals(new long[] {1, 3, 320, 256}, EngineInputShape.of(withInput(new long[] {1, 3, 320, 256},
        Map.of())));
    assertFalse(EngineInputShape.needsProfile(new long[] {1, 3, 320, 256}));
  }

  @Test
  void dynamicBatchHeightAndWidthAreFixedFromTheModelsInputSize() {
    Map<String, String> meta = Map.of(ModelMetadata.NAMES, "{0: 'person'}", ModelMetadata.STRIDES, "[8, 16, 32]",
        ModelMetadata.INPUT_SIZE, "[384, 640]");
    assertArrayEquals(new long[] {1, 3, 384, 640}, EngineInputShape.of(withInput(new long[] {-1, 3, -1, -1}, meta)));
    assertArrayEquals(new long[] {1, 3, 320, 320}, EngineInputShape.of(withInput(new long[] {-1, 3, 320, 320},
        Map.of())), "only the batch is dynamic: no metadata needed");
    assertTrue(EngineInputShape.needsProfile(new long[] {-1, 3, -1, -1}));
  }

  @Test
  void theLoadOptionsInputSizeFixesDynamicHeightAndWidth() {
    Map<String, String> meta = Map.of(ModelMetadata.INPUT_SIZE, "[384, 640]");
    assertArrayEquals(new long[] {1, 3, 512, 512}, EngineInputShape.of(withInput(new long[] {-1, 3, -1, -1}, meta), 512),
        "the size the detector letterboxes to wins over the metadata");
    assertArrayEquals(new long[] {1, 3, 320, 320}, EngineInputShape.of(withInput(new long[] {1, 3, -1, -1}, Map.of()),
        320), "no metadata needed");
    assertArrayEquals(new long[] {1, 3, 320, 256}, EngineInputShape.of(withInput(new long[] {1, 3, 320, 256},
        Map.of()), 640), "a fixed input stays as it is");
  }

  @Test
  void anInputThatCannotBeFixedIsRefusedBeforeAnyBuildNamingIt() {
    ModelFormatException noSize = assertThrows(ModelFormatException.class,
        () -> EngineInputShape.of(withInput(new long[] {1, 3, -1, -1}, Map.of())));
    assertTrue(noSize.getMessage().contains("input 'images'") && noSize.getMessage().contains("input_size"),
        noSize.getMessage());
    ModelFormatException channels = assertThrows(ModelFormatException.class,
        () -> EngineInputShape.of(withInput(new long[] {1, -1, 320, 320}, Map.of())));
    assertTrue(channels.getMessage().contains("channel count"), channels.getMessage());
    ModelFormatException rank = assertThrows(ModelFormatException.class,
        () -> EngineInputShape.of(withInput(new long[] {-1, 1000}, Map.of())));
    assertTrue(rank.getMessage().contains("not NCHW"), rank.getMessage());
  }

  @Test
  void theFixedShapeMustFitTheNetworksDeclaredDims() {
    EngineInputShape.checkFits("images", new long[] {-1, 3, -1, -1}, new long[] {1, 3, 320, 320}, "m.onnx");
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> EngineInputShape.checkFits("images", new long[] {1, 3, 640, 640}, new long[] {1, 3, 320, 320}, "m.onnx"));
    assertTrue(e.getMessage().startsWith("m.onnx: input 'images' is [1, 3, 640, 640]"), e.getMessage());
    assertThrows(ModelFormatException.class,
        () -> EngineInputShape.checkFits("images", new long[] {-1, -1, -1}, new long[] {1, 3, 320, 320}, "m.onnx"));
  }
}
