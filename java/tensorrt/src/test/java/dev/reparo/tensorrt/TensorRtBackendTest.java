package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ReparoException;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.AutoBackendSelector;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TensorRT backend without a GPU: with no NVIDIA GPU, driver or TensorRT (as on CI) it must
 * say clearly what is missing. The engines themselves are {@link TensorRtGpuTest}'s.
 */
class TensorRtBackendTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));
  static final Path FIXTURE = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw");

  @TempDir
  static Path cache;

  static DeployedModel deployed() throws Exception {
    return new ConversionCache(cache).deploy(FIXTURE.resolve("model.onnx"));
  }

  @Test
  void withoutAGpuTheBackendSaysWhatIsMissing() throws Exception {
    TensorRtBackend b = (TensorRtBackend) Backends.all().stream()
        .filter(x -> x.kind() == BackendKind.TENSORRT).findFirst().orElseThrow();
    Assumptions.assumeFalse(b.isAvailable(), "TensorRT is available here; the no-GPU path is not reachable");
    String reason = b.unavailableReason();
    System.out.println("TensorRT unavailable: " + reason);
    assertTrue(reason.matches("(?s).*(NVIDIA|CUDA|TensorRT).*"), reason);
    assertEquals("tensorrt (unavailable)", b.describe());
    ReparoException e = assertThrows(ReparoException.class, () -> b.load(deployed(), LoadOptions.defaults()));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    ReparoException f = assertThrows(ReparoException.class, () -> Backends.find(BackendKind.TENSORRT));
    assertTrue(f.getMessage().contains("cannot run here") && f.getMessage().contains(reason), f.getMessage());
  }

  @Test
  void autoPassesOverAnUnavailableTensorRtAndSaysWhy(@TempDir Path choices) throws Exception {
    Assumptions.assumeFalse(new TensorRtBackend().isAvailable(), "TensorRT is available here");
    AutoBackendSelector.Selection s = AutoBackendSelector.standard(choices).select(deployed(),
        LoadOptions.defaults().withThreads(1));
    try (LoadedModel m = s.loaded()) {
      assertSame(BackendKind.ONNXRUNTIME, s.backend().kind());
      assertTrue(s.reason().contains("tensorrt: " + new TensorRtBackend().unavailableReason()), s.reason());
    }
  }

  @Test
  void driverCheckNamesTheMissingPiece(@TempDir Path dir) throws Exception {
    Path version = dir.resolve("version");
    Path device = dir.resolve("nvidia0");
    assertTrue(TensorRtRuntime.driverProblem(version, device).startsWith("no NVIDIA driver: " + version));
    Files.writeString(version, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06");
    assertTrue(TensorRtRuntime.driverProblem(version, device).startsWith("no NVIDIA GPU device: " + device));
    Files.createFile(device);
    assertEquals("", TensorRtRuntime.driverProblem(version, device));
    TensorRtRuntime.Status s = TensorRtRuntime.probe(dir.resolve("absent"), device);
    assertFalse(s.available());
    assertTrue(s.reason().startsWith("no NVIDIA driver"), s.reason());
  }

  @Test
  void aLoadFailureNamesTheLibraryTheDynamicLinkerCouldNotOpen() {
    UnsatisfiedLinkError e = new UnsatisfiedLinkError("no jninvinfer in java.library.path");
    e.initCause(new UnsatisfiedLinkError("libnvinfer.so.11: cannot open shared object file: No such file or directory"));
    String s = TensorRtRuntime.causes(e);
    assertTrue(s.startsWith("UnsatisfiedLinkError: no jninvinfer"), s);
    assertTrue(s.contains("caused by UnsatisfiedLinkError: libnvinfer.so.11: cannot open shared object file"), s);
  }

  @Test
  void pastTheDriverCheckTheProbeReportsTheLinkersCause(@TempDir Path dir) throws Exception {
    Path version = Files.writeString(dir.resolve("version"), "NVRM version: 580.65.06");
    Path device = Files.createFile(dir.resolve("nvidia0"));
    TensorRtRuntime.Status s = TensorRtRuntime.probe(version, device);
    Assumptions.assumeFalse(s.available(), "CUDA and TensorRT load here; the failure path is not reachable");
    System.out.println("probe past the driver check: " + s.reason());
    // Without the CUDA runtime or TensorRT the dynamic linker's complaint names the .so it missed.
    assertTrue(s.reason().matches("(?s).*lib(cudart|nvinfer|nvonnxparser|cuda)[^ ]*\\.so.*"), s.reason());
  }

  @Test
  void versionsAreDecodedAsNvidiaEncodesThem() {
    assertEquals("13.3", TensorRtRuntime.cudaVersion(13030));
    assertEquals("12.8", TensorRtRuntime.cudaVersion(12080));
    assertEquals("11.2.1", TensorRtRuntime.tensorRtVersion(110201));
    assertEquals("10.12.0", TensorRtRuntime.tensorRtVersion(101200));
    assertEquals(11, TensorRtRuntime.EXPECTED_MAJOR, "the bindings are TensorRT 11's");
  }

  @Test
  void precisionFollowsOptionsAndArtefacts() throws Exception {
    DeployedModel plain = deployed();
    assertEquals(TensorRtPrecision.FP32, TensorRtPrecision.of(LoadOptions.defaults(), plain));
    assertEquals(TensorRtPrecision.FP16, TensorRtPrecision.of(new LoadOptions(0, true, 0), plain));
    Map<String, String> files = new HashMap<>(plain.files());
    files.put(Artefact.ONNX_QDQ.key(), "model.qdq.onnx");
    DeployedModel quantized = new DeployedModel(plain.dir(), plain.sourceFile(), plain.sourceSha256(),
        plain.inputName(), plain.inputShape(), plain.outputNames(), plain.outputShapes(), files, plain.sha256(), false,
        plain.metadata());
    assertEquals(TensorRtPrecision.INT8, TensorRtPrecision.of(LoadOptions.defaults(), quantized));
    assertEquals(Artefact.ONNX_QDQ, TensorRtPrecision.INT8.artefact());
    assertEquals(Artefact.ONNX, TensorRtPrecision.FP16.artefact());
    assertEquals(Artefact.ONNX, TensorRtPrecision.FP32.artefact());
    // A model without the Q/DQ file names it when INT8 is asked for.
    assertThrows(dev.reparo.ModelFormatException.class, () -> quantized.file(TensorRtPrecision.INT8.artefact()));
  }
}
