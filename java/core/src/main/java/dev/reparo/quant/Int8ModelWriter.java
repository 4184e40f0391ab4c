package dev.reparo.quant;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Reparo;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.io.Digests;
import dev.reparo.convert.ModelConverter;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.onnx.Onnx;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes an int8 model directory from a converted FP32 model and a calibration table: the ncnn
 * int8 {@code model.param}/{@code model.bin}, the fused FP32 ONNX, the Q/DQ ONNX, the table, and
 * {@code model.json}, so that {@code Detector.open(dir)} and {@code reparo detect} run it like
 * any converted model. Layers the {@link Options} keep in FP32 (mixed precision) keep FP32 weights
 * and no int8 param in ncnn, have no Q/DQ in the ONNX and are left out of the written table. Files
 * are written atomically, {@code model.json} last. Stateless and thread-safe; concurrent writes
 * must go to different directories.
 */
public final class Int8ModelWriter {

  private Int8ModelWriter() {}

  /**
   * How to write.
   *
   * @param weightScaling per-tensor or per-channel weights in the Q/DQ ONNX; should match the
   *     table's (ncnn reads the table's scales as they are)
   * @param keepFp32 table layers that stay FP32
   */
  public record Options(WeightScaling weightScaling, Set<String> keepFp32) {
    public Options {
      keepFp32 = Set.copyOf(keepFp32);
    }

    public static Options defaults() {
      return new Options(WeightScaling.PER_CHANNEL, Set.of());
    }

    public Options withWeightScaling(WeightScaling w) {
      return new Options(w, keepFp32);
    }

    public Options withKeepFp32(Collection<String> layers) {
      return new Options(weightScaling, new LinkedHashSet<>(layers));
    }
  }

  /**
   * What was written.
   *
   * @param int8Layers ncnn layers that run in int8
   * @param fp32Layers table layers kept in FP32, in graph order: those asked for and {@code faulty}
   * @param faulty layers kept in FP32 whatever was asked, because ncnn computes them wrongly in int8
   *     ({@link GroupedInt8Layers})
   * @param qdqNodes ONNX nodes given Q/DQ inputs; empty with {@code qdqSkipped} saying why when the
   *     Q/DQ model could not be made
   */
  public record Result(DeployedModel model, List<String> int8Layers, List<String> fp32Layers, List<String> faulty,
      List<String> qdqNodes, String qdqSkipped) {}

  /** Writes with per-channel weights and every table layer in int8. */
  public static Result write(DeployedModel fp32, CalibrationTable table, Path outDir) throws IOException {
    return write(fp32, table, Options.defaults(), outDir);
  }

  /**
   * @param fp32 a model converted by {@link ModelConverter} (its fused ONNX is re-lowered, giving
   *     the layer names the table was made for)
   * @throws ModelFormatException if the table names layers the model does not have
   * @throws InvalidInputException if a layer to keep in FP32 is not one the table quantizes
   */
  public static Result write(DeployedModel fp32, CalibrationTable full, Options options, Path outDir)
      throws IOException {
    List<String> unknown = options.keepFp32().stream().filter(l -> !full.quantizes(l)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new InvalidInputException("layers to keep in FP32 are not quantized layers of the calibration table: "
          + unknown.subList(0, Math.min(5, unknown.size())) + (unknown.size() > 5 ? " ..." : ""));
    }
    Graph fused = Onnx.read(fp32.file(Artefact.ONNX));
    Graph lowered = fused.copy();
    NcnnLowering.lowerForQuantization(lowered);
    List<String> faulty = GroupedInt8Layers.find(lowered).stream().filter(full::quantizes).toList();
    Set<String> keep = new LinkedHashSet<>(options.keepFp32());
    keep.addAll(faulty);
    CalibrationTable table = full.without(keep);
    List<String> fp32Layers = QuantizableLayer.find(lowered).stream().map(QuantizableLayer::name)
        .filter(keep::contains).toList();
    List<String> int8 = Int8Lowering.apply(lowered, table);
    NcnnLowering.fitKernels(lowered);
    List<String> missing = new ArrayList<>(full.inputScales().keySet());
    missing.removeAll(int8);
    missing.removeAll(fp32Layers);
    if (!missing.isEmpty()) {
      throw new ModelFormatException(fp32.dir() + ": the calibration table names layers this model does not have"
          + " as quantizable: " + missing.subList(0, Math.min(5, missing.size())) + (missing.size() > 5 ? " ..." : ""));
    }
    Files.createDirectories(outDir);
    NcnnWriter.write(lowered, outDir.resolve(Artefact.NCNN_PARAM.fileName()), outDir.resolve(Artefact.NCNN_BIN.fileName()),
        NcnnWriter.WeightStorage.FP32);
    Onnx.write(fused, outDir.resolve(Artefact.ONNX.fileName()));
    List<String> qdq = List.of();
    String skipped = "";
    Graph qdqGraph = fused.copy();
    try {
      qdq = QdqOnnx.apply(qdqGraph, table, options.weightScaling());
      Onnx.write(qdqGraph, outDir.resolve(Artefact.ONNX_QDQ.fileName()));
    } catch (UnsupportedOpException e) {
      skipped = e.getMessage();
      Files.deleteIfExists(outDir.resolve(Artefact.ONNX_QDQ.fileName()));
    }
    table.write(outDir.resolve(Artefact.CALIBRATION_TABLE.fileName()));
    Map<String, String> files = new LinkedHashMap<>();
    for (Artefact a : Artefact.values()) {
      if (a != Artefact.ONNX_QDQ || skipped.isEmpty()) {
        files.put(a.key(), a.fileName());
      }
    }
    Map<String, String> digests = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : files.entrySet()) {
      digests.put(f.getKey(), Digests.sha256(outDir.resolve(f.getValue())));
    }
    DeployedModel model = new DeployedModel(outDir, fp32.sourceFile(), fp32.sourceSha256(), fp32.inputName(),
        fp32.inputShape(), fp32.outputNames(), fp32.outputShapes(), files, digests, false, fp32.metadata());
    model.write(Reparo.version());
    return new Result(model, int8, fp32Layers, faulty, qdq, skipped);
  }
}
