package dev.reparo.convert;

import dev.reparo.ModelFormatException;
import dev.reparo.Reparo;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.HeadKind;
import dev.reparo.detect.ModelMetadata;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.graph.ModelSummary;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import dev.reparo.io.AtomicFiles;
import dev.reparo.io.Digests;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.passes.CutAnchorFreeDecode;
import dev.reparo.passes.PassManager;
import dev.reparo.passes.Pipelines;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code .onnx} (training or deploy form) → a converted model directory: the deploy pipeline
 * (re-parameterize, fuse, clean up), the fused ONNX, the ncnn param/bin, and {@code model.json}.
 * Stateless and thread-safe; concurrent conversions must write to different directories.
 */
public final class ModelConverter {

  private ModelConverter() {}

  /**
   * What a conversion did: sizes before and after, what each pass and lowering step changed, and
   * whether the head's decode was cut off.
   *
   * @param rawHead null unless the conversion was asked for the raw head
   */
  public record Result(DeployedModel model, ModelSummary before, ModelSummary after, PassManager.Report deploy,
      PassManager.Report lowering, HeadCut rawHead) {}

  /**
   * The outcome of asking for the raw head: cut (the outputs are the head's per-scale raw tensors)
   * or refused, with the reason (the outputs stay the exported, decoded ones).
   */
  public record HeadCut(boolean cut, String refusal) {}

  /**
   * Converts {@code onnx} into {@code outDir} (created if needed). The whole conversion runs in
   * memory first, so a model that cannot be converted leaves {@code outDir} untouched (a good model
   * already there stays as it was). Then every file is written under a temporary name and renamed
   * into place, {@code model.json} last with the SHA-256 of each artefact, so a conversion cut short
   * while writing never leaves a model that looks complete or passes {@link DeployedModel#verify()}.
   *
   * @throws ModelFormatException if the model cannot be read, names the file and node
   * @throws dev.reparo.graph.UnsupportedOpException for an operator Reparo or ncnn cannot express
   */
  public static Result convert(Path onnx, Path outDir, boolean fp16) throws IOException {
    return convert(onnx, outDir, fp16, true);
  }

  /**
   * As {@link #convert(Path, Path, boolean)}; with {@code fuse} false only the cleanup passes run, so
   * the model keeps its training form (multi-branch RepVGG blocks, BatchNorm layers): the baseline
   * that benchmarks time the fused model against.
   */
  public static Result convert(Path onnx, Path outDir, boolean fp16, boolean fuse) throws IOException {
    return convert(onnx, outDir, fp16, fuse, false);
  }

  /**
   * As {@link #convert(Path, Path, boolean, boolean)}; with {@code rawHead} an Ultralytics
   * anchor-free head exported decoded loses its decode ({@link CutAnchorFreeDecode}): the outputs
   * become the per-scale box distributions and class logits, decoded in Java only for the cells
   * above the confidence threshold. Where the pass refuses, the model keeps its decoded outputs and
   * its metadata says why ({@link ModelMetadata#RAW_HEAD_REFUSED}).
   */
  public static Result convert(Path onnx, Path outDir, boolean fp16, boolean fuse, boolean rawHead)
      throws IOException {
    String sha = Digests.sha256(onnx);
    Graph graph = Onnx.read(onnx);
    DynamicBatch batch = DynamicBatch.pin(graph);
    ModelSummary before = ModelSummary.of(graph);
    PassManager.Report deploy = (fuse ? Pipelines.deploy() : Pipelines.cleanup()).run(graph);
    HeadCut headCut = rawHead ? cutHead(graph, batch) : null;
    ShapeInference.Result shapes = ShapeInference.infer(graph);
    ModelSummary after = ModelSummary.of(graph);
    if (graph.inputs().size() != 1) {
      throw new ModelFormatException(onnx + ": has " + graph.inputs().size() + " inputs; Reparo converts models "
          + "with exactly one image input");
    }
    ValueInfo input = graph.inputs().get(0);
    List<String> outNames = new ArrayList<>();
    List<long[]> outShapes = new ArrayList<>();
    for (ValueInfo o : graph.outputs()) {
      outNames.add(o.name());
      outShapes.add(dims(shapes.shape(o.name())));
    }

    byte[] fused = OnnxWriter.toBytes(batch == null ? graph : batch.restore(graph));
    Graph ncnn = graph.copy();
    PassManager.Report lowering = NcnnLowering.lower(ncnn);
    NcnnFiles ncnnFiles = NcnnWriter.render(ncnn, fp16 ? NcnnWriter.WeightStorage.FP16 : NcnnWriter.WeightStorage.FP32);

    Map<Artefact, byte[]> artefacts = new EnumMap<>(Artefact.class);
    artefacts.put(Artefact.ONNX, fused);
    artefacts.put(Artefact.NCNN_PARAM, ncnnFiles.paramBytes());
    artefacts.put(Artefact.NCNN_BIN, ncnnFiles.bin());
    Map<String, String> files = new LinkedHashMap<>();
    Map<String, String> digests = new LinkedHashMap<>();
    Files.createDirectories(outDir);
    for (Map.Entry<Artefact, byte[]> a : artefacts.entrySet()) {
      String name = a.getKey().fileName();
      AtomicFiles.write(outDir.resolve(name), a.getValue());
      files.put(a.getKey().key(), name);
      digests.put(a.getKey().key(), Digests.sha256(a.getValue()));
    }
    long[] inputShape = dims(input.shape());
    if (batch != null) {
      inputShape[0] = -1; // as the fused ONNX declares it; ncnn's graph has a batch of 1
    }
    DeployedModel model = new DeployedModel(outDir, onnx.getFileName().toString(), sha, input.name(),
        inputShape, outNames, outShapes, files, digests, fp16, graph.metadata());
    model.write(Reparo.version());
    return new Result(model, before, after, deploy, lowering, headCut);
  }

  /** Runs {@link CutAnchorFreeDecode}; a refusal is recorded in the graph's metadata. */
  private static HeadCut cutHead(Graph graph, DynamicBatch batch) {
    String refusal;
    if (HeadKind.ANCHOR_FREE_RAW.cliName().equals(graph.metadata().get(ModelMetadata.HEAD_LAYOUT))) {
      refusal = null; // converted from a model cut before
    } else if (batch != null) {
      // The cut's outputs are declared with a batch of 1; the fused ONNX of a dynamic-batch model batches.
      refusal = "the model's input has a dynamic batch";
    } else {
      PassManager.PassSummary s = new PassManager(List.of(new CutAnchorFreeDecode())).run(graph).passes().get(0);
      refusal = s.rewritten() > 0 ? null : "not an Ultralytics decoded anchor-free head"
          + (s.refused().isEmpty() ? "" : ": " + s.refused().get(0));
    }
    if (refusal != null) {
      graph.putMetadata(ModelMetadata.RAW_HEAD_REFUSED, refusal);
    }
    return new HeadCut(refusal == null, refusal);
  }

  /** Dimensions with -1 for unknown or symbolic ones. */
  private static long[] dims(Shape s) {
    if (!s.hasRank()) {
      return new long[0];
    }
    long[] d = new long[s.rank()];
    for (int i = 0; i < d.length; i++) {
      d[i] = s.dim(i).value() > 0 && s.dim(i).param() == null ? s.dim(i).value() : -1;
    }
    return d;
  }
}
