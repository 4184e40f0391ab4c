package dev.reparo.cli;

import dev.reparo.detect.DetectorOptions;
import dev.reparo.spark.SparkDetectJob;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reparo spark-detect}: detection over a large image set on Apache Spark, into Parquet.
 * Spark itself is not in the CLI jar: the {@code reparo} launcher adds it to the class path for
 * this verb (java/spark/target/spark-classpath.txt); without it the verb says so.
 */
@Command(name = "spark-detect", sortOptions = false, mixinStandardHelpOptions = true, description = {
    "Detect objects in many images on Apache Spark and write Parquet: one row per detection (path, width, height, "
        + "status, detections, rank, class_id, label, score, x, y, w, h, error). An image without detections gets "
        + "one row with status 'none'; an image that cannot be decoded gets one row with status 'error' and the "
        + "reason, and the job goes on.",
    "",
    "Runs an embedded local Spark unless --master names another (under spark-submit, its master). Each executor "
        + "opens the model once and shares it between its tasks; -m ships the model to the executors with "
        + "SparkContext.addFile (a converted directory as a zip archive), --shared-model reads it where it is. "
        + "The output directory appears only once the whole job has committed.",
    "",
    "Threads: an executor runs one detection per task slot, each with --threads inference threads; keep "
        + "threads x executor cores at or below the physical cores (on a cluster, set spark.task.cpus to --threads).",
    "",
    "Examples:",
    "  reparo spark-detect -m yolo.onnx -s photos/ -o dets.parquet",
    "  reparo spark-detect --master local[4] --partitions 32 -m yolo.onnx \\",
    "      -s 'photos/*/*.jpg' -o dets.parquet",
    "  spark-submit --class dev.reparo.cli.ReparoCli reparo-cli-<platform>.jar \\",
    "      spark-detect -m yolo.onnx -s hdfs:///photos -o hdfs:///dets.parquet",
    "  reparo spark-detect --master spark://head:7077 --shared-model /mnt/models/yolo.onnx \\",
    "      -s /mnt/photos -o /mnt/dets.parquet",
    ""})
final class SparkDetectCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[N], spark://HOST:PORT, yarn, k8s://URL"
      + " (default: spark-submit's, else " + SparkDetectJob.DEFAULT_MASTER + ")")
  String master;

  @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
      description = ".onnx or a converted model directory on this machine, shipped to every executor")
  Path model;

  @Option(names = "--shared-model", paramLabel = "PATH",
      description = "instead of -m: a model (.onnx or converted) at PATH on every executor, e.g. on a shared file "
          + "system; nothing is shipped")
  String sharedModel;

  @Option(names = {"-s", "--source"}, required = true, paramLabel = "DIR|GLOB",
      description = "a directory of images (" + "jpg, png, bmp, gif, tif), one image, or a glob such as 'photos/*/*.jpg'; any Hadoop file system URI")
  String source;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
      description = "Parquet output directory (a path or a URI such as hdfs:///dets.parquet)")
  String out;

  @Option(names = "--overwrite", description = "replace --out if it exists")
  boolean overwrite;

  @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
      description = "spread the images over N tasks, hashed by path (default: as Spark reads them)")
  int partitions;

  @Option(names = "--conf", defaultValue = "0.25", paramLabel = "SCORE", description = "confidence threshold (default ${DEFAULT-VALUE})")
  float conf;

  @Option(names = "--iou", defaultValue = "0.45", paramLabel = "IOU", description = "NMS IoU threshold (default ${DEFAULT-VALUE})")
  float iou;

  @Option(names = "--max-det", defaultValue = "300", paramLabel = "N", description = "at most this many detections per image")
  int maxDet;

  @Option(names = "--backend", defaultValue = "ncnn", paramLabel = "NAME", description = "ncnn (default), onnxruntime, tensorrt or auto")
  String backend;

  @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
      description = "inference threads per detection (default ${DEFAULT-VALUE}; 0: all cores, for one executor core)")
  int threads;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata, e.g. --meta 'names=[\"cat\",\"dog\"]'")
  Map<String, String> meta = new LinkedHashMap<>();

  @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "a Spark setting, e.g. --spark-conf spark.executor.memory=4g")
  Map<String, String> sparkConf = new LinkedHashMap<>();

  @Override
  public Integer call() {
    if ((model == null) == (sharedModel == null)) {
      throw new CliException("give the model with either -m/--model (shipped) or --shared-model (on every executor)");
    }
    if (model != null && !Files.exists(model)) {
      throw new CliException(model + ": no such model file or directory");
    }
    if (partitions < 0) {
      throw new CliException("--partitions must be at least 1 (or 0 for Spark's choice), got " + partitions);
    }
    DetectorOptions.Builder b = DetectorOptions.builder().backend(InferCommand.backendKind(backend)).threads(threads)
        .confThreshold(conf).iouThreshold(iou).maxDetections(maxDet);
    meta.forEach(b::metadata);
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SparkDetectJob.Summary s;
    try {
      s = run(new SparkDetectJob.Request(master, source,
          model != null ? model : Path.of(sharedModel), model == null, out, partitions, overwrite, b.build(), sparkConf), err);
    } catch (NoClassDefFoundError e) {
      throw new CliException("spark-detect needs Apache Spark on the class path (missing " + e.getMessage()
          + "): run it through the reparo launcher script, which adds java/spark/target/spark-classpath.txt, or with"
          + " spark-submit");
    }
    report(s, o);
    return 0;
  }

  /**
   * Prints the job's summary line: images counts only those decoded, no rate when none was; fails
   * (exit 1) when not one image could be read, after pointing at the error rows.
   */
  static void report(SparkDetectJob.Summary s, PrintWriter o) {
    long decoded = s.images() - s.errors();
    o.printf("%d images: %d detections, %d without detections, %d unreadable (error rows in the output)%s on %s"
            + " (%.1f s); results in %s%n",
        decoded, s.detections(), s.withoutDetections(), s.errors(),
        decoded > 0 ? String.format("; %.1f images/s", decoded / Math.max(s.seconds(), 1e-9)) : "", s.master(),
        s.seconds(), s.out());
    o.flush();
    if (decoded == 0 && s.errors() > 0) {
      throw new CliException("none of the " + s.errors() + " images could be read; see the error rows in " + s.out());
    }
  }

  /** Runs the job with a progress bar; in its own method so that a missing Spark fails here. */
  private static SparkDetectJob.Summary run(SparkDetectJob.Request request, PrintWriter err) {
    Object lock = new Object();
    ProgressBar[] bar = {null};
    return SparkDetectJob.run(request, (phase, done, total) -> {
      synchronized (lock) {
        if (bar[0] == null) {
          bar[0] = new ProgressBar(err, "spark-detect", (int) total);
        }
        bar[0].advanceTo((int) done);
      }
    });
  }
}
