package dev.reparo.convert;

import dev.reparo.ModelFormatException;
import dev.reparo.Reparo;
import dev.reparo.ReparoException;
import dev.reparo.backend.DeployedModel;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.graph.ModelSummary;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import dev.reparo.passes.PassManager;
import dev.reparo.passes.Pipelines;
import dev.reparo.passes.ncnn.NcnnLowering;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code .onnx} (training or deploy form) → a converted model directory: the deploy pipeline
 * (re-parameterize, fuse, clean up), the fused ONNX, the ncnn param/bin, and {@code model.json}.
 * Stateless and thread-safe; concurrent conversions must write to different directories.
 */
public final class ModelConverter {
  public static final String FUSED_ONNX = "model.fused.onnx";
  public static final String NCNN_PARAM = "model.param";
  public static final String NCNN_BIN = "model.bin";

  private ModelConverter() {}

  /** What a conversion did: sizes before and after, and what each pass and lowering step changed. */
  public record Result(DeployedModel model, ModelSummary before, ModelSummary after, PassManager.Report deploy,
      PassManager.Report lowering) {}

  /**
   * Converts {@code onnx} into {@code outDir} (created if needed). Every file is written under a
   * temporary name and renamed into place, {@code model.json} last, so a failed conversion never
   * leaves a model that looks complete.
   *
   * @throws ModelFormatException if the model cannot be read, names the file and node
   * @throws dev.reparo.graph.UnsupportedOpException for an operator Reparo or ncnn cannot express
   */
  public static Result convert(Path onnx, Path outDir, boolean fp16) throws IOException {
    String sha = sha256(onnx);
    Graph graph = Onnx.read(onnx);
    ModelSummary before = ModelSummary.of(graph);
    PassManager.Report deploy = Pipelines.deploy().run(graph);
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

    Files.createDirectories(outDir);
    Onnx.write(graph, outDir.resolve(FUSED_ONNX));
    Graph ncnn = graph.copy();
    PassManager.Report lowering = NcnnLowering.lower(ncnn);
    NcnnWriter.write(ncnn, outDir.resolve(NCNN_PARAM), outDir.resolve(NCNN_BIN),
        fp16 ? NcnnWriter.WeightStorage.FP16 : NcnnWriter.WeightStorage.FP32);

    Map<String, String> files = new LinkedHashMap<>();
    files.put("onnx", FUSED_ONNX);
    files.put("ncnn_param", NCNN_PARAM);
    files.put("ncnn_bin", NCNN_BIN);
    DeployedModel model = new DeployedModel(outDir, onnx.getFileName().toString(), sha, input.name(),
        dims(input.shape()), outNames, outShapes, files, fp16, graph.metadata());
    model.write(Reparo.version());
    return new Result(model, before, after, deploy, lowering);
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

  static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      MessageDigest md = ((DigestInputStream) in).getMessageDigest();
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new ReparoException("SHA-256 is not available in this JVM");
    }
  }
}
