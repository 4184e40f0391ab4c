package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ModelConverter;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.image.ImageLoader;
import dev.reparo.onnx.Onnx;
import dev.reparo.quant.CalibrationMethod;
import dev.reparo.quant.CalibrationTable;
import dev.reparo.quant.Int8ModelWriter;
import dev.reparo.quant.QdqOnnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed precision on a real exported detector. The oracle is independent of the search: the written
 * model directory is loaded by the ncnn backend like any converted model, and its outputs are
 * compared with the FP32 converted model's on the same images; the Q/DQ ONNX is checked by ONNX
 * Runtime against the FP32 ONNX.
 */
class MixedPrecisionSearchTest {
  static final String FIXTURE = "yolov5lite_e-training-torchscript11-raw";
  static final int SEARCH_IMAGES = 2;
  static DeployedModel fp32;
  static CalibrationTable table;
  static List<Path> images;

  @TempDir static Path shared;

  @BeforeAll
  static void calibrate() throws Exception {
    new SyntheticDataset(11).write(shared.resolve("calib"), 4, null);
    fp32 = NcnnCalibratorTest.convert(FIXTURE, shared.resolve("fp32"));
    List<Path> calib = NcnnCalibratorTest.list(shared.resolve("calib"));
    table = NcnnCalibrator.calibrate(fp32, calib, NcnnCalibratorTest.options(CalibrationMethod.KL)).table();
    images = calib.subList(0, SEARCH_IMAGES);
  }

  static MixedPrecisionSearch.Options options(double target) {
    return MixedPrecisionSearch.Options.of(target).withImages(SEARCH_IMAGES).withThreads(2)
        .withDetector(NcnnCalibratorTest.detectorOptions());
  }

  /** Mean cosine of every output over the images, written model vs the FP32 converted model, on ncnn. */
  static double measuredCosine(DeployedModel model) throws Exception {
    DetectorOptions opts = NcnnCalibratorTest.detectorOptions();
    double sum = 0;
    int n = 0;
    try (Detector det = Detector.open(fp32.dir(), opts);
        LoadedModel a = Backends.find(BackendKind.NCNN).load(fp32, opts.loadOptions());
        LoadedModel b = Backends.find(BackendKind.NCNN).load(model, opts.loadOptions())) {
      for (Path img : images) {
        Tensor in = det.preprocess(ImageLoader.read(img));
        List<Tensor> x = a.run(in);
        List<Tensor> y = b.run(in);
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) {
          sum += NcnnCalibratorTest.cosine(y.get(i).data(), x.get(i).data());
          n++;
        }
      }
    }
    return sum / n;
  }

  @Test
  void aTargetAboveAllInt8KeepsTheWorstLayersInFp32AndTheWrittenModelMeetsIt(@TempDir Path dir) throws Exception {
    double measuredInt8 = measuredCosine(Int8ModelWriter.write(fp32, table, dir.resolve("int8")).model());
    assertTrue(measuredInt8 < 0.999, "the fixture leaves room above all-int8: " + measuredInt8);
    double target = measuredInt8 + (1 - measuredInt8) / 2;
    MixedPrecisionSearch.Result mix = MixedPrecisionSearch.search(fp32, table, images, options(target));
    double allInt8 = mix.int8Cosine();
    System.out.printf("%s: all-int8 output cosine %.6f (search), %.6f (written model)%n", FIXTURE, allInt8,
        measuredInt8);
    assertEquals(measuredInt8, allInt8, 1e-4, "the search measures what the written model does");
    assertEquals(table.inputScales().size(), mix.sensitivity().size());
    for (int i = 1; i < mix.sensitivity().size(); i++) {
      assertTrue(mix.sensitivity().get(i - 1).cosine() <= mix.sensitivity().get(i).cosine(), "worst first");
    }
    assertFalse(mix.keptFp32().isEmpty());
    assertTrue(mix.reached() && mix.cosine() >= target, mix.cosine() + " vs " + target);
    assertTrue(mix.keptFp32().size() < mix.sensitivity().size(), "a reachable target leaves int8 layers");
    assertEquals(mix.sensitivity().subList(0, mix.keptFp32().size()),
        mix.keptFp32().stream().map(MixedPrecisionSearch.Kept::layer).toList(), "the most sensitive are kept");
    for (int i = 0; i + 1 < mix.keptFp32().size(); i++) {
      assertTrue(mix.keptFp32().get(i).modelCosine() < target, "the search stops as soon as the target is met");
    }

    Set<String> kept = mix.keptLayerNames();
    Int8ModelWriter.Result w = Int8ModelWriter.write(fp32, table,
        Int8ModelWriter.Options.defaults().withKeepFp32(kept), dir.resolve("mixed"));
    assertEquals(List.copyOf(kept).stream().sorted().toList(), w.fp32Layers().stream().sorted().toList());
    assertEquals(table.inputScales().size() - kept.size(), w.int8Layers().size());
    NcnnParam param = NcnnParam.parse(Files.readString(w.model().file(Artefact.NCNN_PARAM)), "mixed.param");
    for (NcnnParam.Layer l : param.layers()) {
      if (table.quantizes(l.name())) {
        assertEquals(kept.contains(l.name()), l.intParam(8, 0) == 0, l.name() + " int8_scale_term");
      }
    }
    CalibrationTable written = CalibrationTable.read(w.model().file(Artefact.CALIBRATION_TABLE));
    assertEquals(table.without(kept), written);
    double measured = measuredCosine(w.model());
    System.out.printf("target %.6f: %d of %d layers kept in FP32 %s; output cosine %.6f (search), %.6f (written"
        + " model)%n", target, kept.size(), mix.sensitivity().size(), kept, mix.cosine(), measured);
    assertTrue(measured >= target - 1e-5, "written mixed model: " + measured + " < target " + target);
    assertTrue(measured > measuredInt8, "FP32 layers bring the model closer to FP32");

    // Q/DQ ONNX: no Q/DQ on the kept layers, the rest quantized; ONNX Runtime runs it closer to FP32
    // than the all-int8 Q/DQ model.
    assertEquals(w.int8Layers().size(), w.qdqNodes().size());
    assertTrue(w.qdqNodes().stream().noneMatch(kept::contains), "no Q/DQ around the kept layers");
    // Reparo's reader does not take Q/DQ operators: inspect the same transformation in memory.
    Graph qdq = Onnx.read(fp32.file(Artefact.ONNX));
    QdqOnnx.apply(qdq, table.without(kept));
    for (Node n : qdq.nodes()) {
      if (kept.contains(n.name())) {
        assertTrue(qdq.producer(n.input(0)) == null || !qdq.producer(n.input(0)).opType().equals("DequantizeLinear"),
            n.name() + " reads an FP32 input");
        assertTrue(qdq.initializer(n.input(1)) != null, n.name() + " keeps its FP32 weight");
      }
    }
    assertTrue(qdqCosine(w.model()) > qdqCosine(Int8ModelWriter.write(fp32, table, dir.resolve("int8b")).model()));

    Path json = dir.resolve("mixed.json");
    mix.write(json);
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertEquals(kept.size(), j.get("kept_fp32").size());
    assertEquals(mix.cosine(), j.get("cosine").asDouble(), 0);
    assertTrue(j.get("reached").asBoolean());
  }

  /** Mean output cosine of a model's Q/DQ ONNX to the FP32 ONNX, both on ONNX Runtime. */
  static double qdqCosine(DeployedModel int8) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double sum = 0;
    int n = 0;
    try (Detector det = Detector.open(fp32.dir(), NcnnCalibratorTest.detectorOptions());
        OrtSession fp = env.createSession(fp32.file(Artefact.ONNX).toString(), new OrtSession.SessionOptions());
        OrtSession q = env.createSession(int8.file(Artefact.ONNX_QDQ).toString(), new OrtSession.SessionOptions())) {
      for (Path img : images) {
        Tensor in = det.preprocess(ImageLoader.read(img));
        List<float[]> x = NcnnCalibratorTest.ort(env, fp, fp32.inputName(), in);
        List<float[]> y = NcnnCalibratorTest.ort(env, q, fp32.inputName(), in);
        for (int i = 0; i < x.size(); i++) {
          sum += NcnnCalibratorTest.cosine(y.get(i), x.get(i));
          n++;
        }
      }
    }
    return sum / n;
  }

  @Test
  void targetZeroKeepsNoLayerAndTargetOneKeepsEveryLayerInFp32(@TempDir Path dir) throws Exception {
    // A small model (7 convolutions at 64x64): two full searches stay cheap.
    DeployedModel small = NcnnCalibratorTest.convert("repvgg_stack-default-torchscript13", dir.resolve("fp32"));
    DetectorOptions det = DetectorOptions.builder().metadata("names", "[\"a\"]").metadata("strides", "[8]")
        .metadata("anchors", "[[10,13]]").build();
    CalibrationTable t = NcnnCalibrator.calibrate(small, images,
        NcnnCalibrator.Options.of(CalibrationMethod.KL).withThreads(2).withDetector(det)).table();
    MixedPrecisionSearch.Result none = MixedPrecisionSearch.search(small, t, images, options(0).withDetector(det));
    assertTrue(none.keptFp32().isEmpty(), "target 0: every layer stays int8");
    assertEquals(none.int8Cosine(), none.cosine());
    assertEquals(t.inputScales().size(), none.sensitivity().size());

    MixedPrecisionSearch.Result all = MixedPrecisionSearch.search(small, t, images, options(1.0).withDetector(det));
    assertEquals(all.sensitivity().size(), all.keptFp32().size());
    Int8ModelWriter.Result w = Int8ModelWriter.write(small, t,
        Int8ModelWriter.Options.defaults().withKeepFp32(all.keptLayerNames()), dir.resolve("all-fp32"));
    assertTrue(w.int8Layers().isEmpty());
    assertTrue(w.qdqNodes().isEmpty());
    // Independent check: the written model against the converted FP32 model on ncnn.
    double sum = 0;
    try (Detector d = Detector.open(small.dir(), det);
        LoadedModel a = Backends.find(BackendKind.NCNN).load(small, det.loadOptions());
        LoadedModel b = Backends.find(BackendKind.NCNN).load(w.model(), det.loadOptions())) {
      for (Path img : images) {
        Tensor in = d.preprocess(ImageLoader.read(img));
        sum += NcnnCalibratorTest.cosine(b.run(in).get(0).data(), a.run(in).get(0).data());
      }
    }
    double measured = sum / images.size();
    System.out.printf("repvgg_stack: all-int8 cosine %.6f; target 1: all %d layers FP32, cosine %.9f (search),"
        + " %.9f (written)%n", none.int8Cosine(), all.keptFp32().size(), all.cosine(), measured);
    assertTrue(none.int8Cosine() < 1);
    assertEquals(1.0, measured, 1e-6, "no int8 layer left: the FP32 model");
    assertEquals(1.0, all.cosine(), 1e-6);
  }

  @Test
  void badTargetsUnknownLayersAndModelsWithoutQuantizableLayersAreClearErrors(@TempDir Path dir) throws Exception {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> MixedPrecisionSearch.Options.of(1.5));
    assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> Int8ModelWriter.write(fp32, table,
        Int8ModelWriter.Options.defaults().withKeepFp32(List.of("no_such_layer")), dir.resolve("x")));
    assertTrue(e.getMessage().contains("no_such_layer"), e.getMessage());

    // A table that quantizes nothing, and a model with nothing to quantize.
    CalibrationTable empty = new CalibrationTable(Map.of(), Map.of());
    e = assertThrows(InvalidInputException.class, () -> MixedPrecisionSearch.search(fp32, empty, images, options(0.9)));
    assertTrue(e.getMessage().contains("no int8 layer to keep in FP32"), e.getMessage());

    Graph g = new Graph("sigmoid", 13);
    g.addInput(ValueInfo.of("images", DataType.FLOAT, 1, 3, 32, 32));
    g.addNode(Node.builder("Sigmoid").name("act").inputs("images").outputs("out").build());
    g.addOutput(ValueInfo.of("out", DataType.FLOAT, 1, 3, 32, 32));
    Onnx.write(g, dir.resolve("sigmoid.onnx"));
    DeployedModel plain = ModelConverter.convert(dir.resolve("sigmoid.onnx"), dir.resolve("plain"), false).model();
    e = assertThrows(InvalidInputException.class, () -> MixedPrecisionSearch.search(plain, table, images, options(0.9)));
    assertTrue(e.getMessage().contains("quantizes none"), e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> NcnnCalibrator.calibrate(plain, images,
        NcnnCalibratorTest.options(CalibrationMethod.KL)));
    assertTrue(e.getMessage().contains("nothing to quantize"), e.getMessage());
  }
}
