package dev.reparo.cli;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ModelLocator;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.image.ImageLoader;
import dev.reparo.format.npy.Npy;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo infer}: raw tensors in, every output as .npy out — the numeric debugging tool. */
@Command(name = "infer", sortOptions = false, description = {
    "Run a model on a raw input tensor and write every output as a .npy file, to compare a",
    "converted model with PyTorch (np.load both and diff them). --image instead of --input feeds an",
    "image through detect's own pre-processing (letterbox, colour order, normalisation).",
    "",
    "Example:  reparo infer --model yolo.onnx --input x.npy --out outputs/",
    "          reparo infer --model build/yolo-int8 --image street.jpg --out outputs/"})
final class InferCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
      description = ".onnx (converted on the fly, cached), or a converted model's .param / model.json / directory")
  Path model;

  @Option(names = {"-i", "--input"}, paramLabel = "X.npy", description = "input tensor, e.g. float32 [1, 3, 320, 320]")
  Path input;

  @Option(names = "--image", paramLabel = "FILE", description = "an image, pre-processed as detect does (needs the model's metadata)")
  Path image;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "with --image: supply model metadata, as for detect")
  java.util.Map<String, String> meta = new java.util.LinkedHashMap<>();

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "directory for <output name>.npy files")
  Path out;

  @Option(names = "--backend", paramLabel = "NAME", defaultValue = "ncnn",
      description = "ncnn (default), onnxruntime, or tensorrt when its jar is on the classpath")
  String backend;

  @Option(names = "--threads", defaultValue = "0", description = "inference threads (0: the backend's default)")
  int threads;

  @Override
  public Integer call() throws Exception {
    BackendKind kind = backendKind(backend);
    if ((input == null) == (image == null)) {
      throw new CliException("give exactly one of --input X.npy and --image FILE");
    }
    Path source = input != null ? input : image;
    if (!Files.isRegularFile(source)) {
      throw new CliException(source + ": no such file");
    }
    DeployedModel deployed = ModelLocator.locate(model);
    DetectorOptions.Builder b = DetectorOptions.builder().backend(kind).threads(threads);
    meta.forEach(b::metadata);
    DetectorOptions options = b.build();
    Tensor npy = input != null ? Npy.read(input) : null;
    PrintWriter o = spec.commandLine().getOut();
    try (LoadedModel m = Backends.find(kind).load(deployed, options.loadOptions())) {
      // An image is pre-processed as detect does it, by the same loaded model.
      Tensor x = npy != null ? npy
          : DetectionTask.forModel(deployed, options).preprocessing().apply(ImageLoader.read(image), m::preprocess);
      List<Tensor> outputs = m.run(x);
      Files.createDirectories(out);
      for (int i = 0; i < outputs.size(); i++) {
        String name = deployed.outputNames().get(i);
        Path file = out.resolve(safe(name) + ".npy");
        Npy.write(file, outputs.get(i));
        o.printf("%-24s %-20s -> %s%n", name, Arrays.toString(outputs.get(i).shape()), file);
      }
    }
    o.flush();
    return 0;
  }

  static BackendKind backendKind(String name) {
    try {
      return BackendKind.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException("unknown backend '" + name + "'; choose one of "
          + Arrays.toString(BackendKind.values()).toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** Output names become file names: keep letters, digits, '.', '-', '_'. */
  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
