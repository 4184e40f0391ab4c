package dev.reparo.cli;

import dev.reparo.detect.DetectorOptions;
import dev.reparo.spark.ModelSource;
import dev.reparo.spark.ReparoDetector;
import dev.reparo.spark.ReparoSpark;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The Spark driver of {@link SparkClusterIT}, run in its own JVM with the class path the reparo
 * launcher gives spark-detect (Spark's jars, then the CLI jar): one application on the test cluster
 * runs spark-detect (in this JVM, through {@link ReparoCli}), {@link ReparoSpark#detect} and
 * {@link ReparoDetector} with the model shipped as .onnx, shipped converted and on a shared path,
 * then a job whose executor dies in the middle. Every result is written as JSON lines under the
 * output directory for the test to check. Args: master URL, images, model.onnx, converted model
 * directory, output directory, jar of the test classes (for the executors).
 */
public final class ClusterScenarios {
  private ClusterScenarios() {}

  public static void main(String[] args) throws Exception {
    String master = args[0];
    Path images = Path.of(args[1]);
    Path onnx = Path.of(args[2]);
    Path converted = Path.of(args[3]);
    Path out = Path.of(args[4]);
    String cliJar = Path.of(ReparoCli.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    SparkSession spark = SparkSession.builder().master(master).appName("reparo cluster test")
        .config("spark.jars", cliJar + "," + args[5])
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.memory", "512m")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
    try {
      run(spark, images, onnx, converted, out);
    } finally {
      spark.stop();
    }
  }

  static void run(SparkSession spark, Path images, Path onnx, Path converted, Path out)
      throws IOException, InterruptedException {
    // spark-detect joins this JVM's session (same master) and leaves it running.
    String master = spark.sparkContext().master();
    String[][] cli = {{"onnx", "-m", onnx.toString()}, {"converted", "-m", converted.toString()},
        {"shared", "--shared-model", onnx.toString()}};
    for (String[] c : cli) {
      Path parquet = out.resolve("cli-" + c[0] + ".parquet");
      int code = ReparoCli.run("spark-detect", "--master", master, c[1], c[2], "-s", images.toString(), "-o",
          parquet.toString(), "--partitions", "2");
      if (code != 0) {
        throw new IllegalStateException("spark-detect with " + c[1] + " " + c[2] + " exited with " + code);
      }
      spark.read().parquet(parquet.toString()).write().json(out.resolve("cli-" + c[0]).toString());
    }

    Dataset<Row> imgs = spark.read().format("binaryFile").load(images.toString()).repartition(2);
    DetectorOptions options = DetectorOptions.builder().threads(1).build();
    ReparoSpark.detect(imgs, onnx, options).write().json(out.resolve("api-onnx").toString());
    ReparoSpark.detect(imgs, converted, options).write().json(out.resolve("api-converted").toString());
    ReparoSpark.detect(imgs, ModelSource.shared(onnx.toString()), options).write()
        .json(out.resolve("api-shared").toString());
    String[][] transformer = {{"onnx", onnx.toString(), "true"}, {"converted", converted.toString(), "true"},
        {"shared", onnx.toString(), "false"}};
    for (String[] t : transformer) {
      new ReparoDetector().setModelPath(t[1]).setShipModel(Boolean.parseBoolean(t[2])).setThreads(1).transform(imgs)
          .select("path", "length", "detections").write().json(out.resolve("transformer-" + t[0]).toString());
    }

    // An executor JVM dies in the middle of a writing task; Spark retries the task elsewhere.
    Path marker = out.resolve("executor-killed");
    AtomicInteger failedTasks = new AtomicInteger();
    SparkListener failures = new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd e) {
        if (!e.taskInfo().successful()) {
          failedTasks.incrementAndGet();
        }
      }
    };
    spark.sparkContext().addSparkListener(failures);
    Dataset<Row> dying = imgs.repartition(4, functions.col("path"))
        .map(new HaltExecutorOnce(marker.toString()), Encoders.row(imgs.schema()));
    Path killed = out.resolve("killed.parquet");
    ReparoSpark.detect(dying, onnx, options).write().parquet(killed.toString());
    spark.read().parquet(killed.toString()).write().json(out.resolve("killed").toString());
    for (int i = 0; i < 100 && failedTasks.get() == 0; i++) { // listener events arrive asynchronously
      Thread.sleep(100);
    }
    spark.sparkContext().removeSparkListener(failures);
    Files.writeString(out.resolve("failed-tasks.txt"), Integer.toString(failedTasks.get()));
  }

  /**
   * Passes rows through; the executor JVM that reaches its second row first creates {@code marker}
   * and halts (as kill -9 would) in the middle of its task, once per cluster: the marker keeps the
   * retried tasks and the other executor alive.
   */
  static final class HaltExecutorOnce implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Rows seen by this executor JVM. */
    private static final AtomicInteger ROWS = new AtomicInteger();
    private final String marker;

    HaltExecutorOnce(String marker) {
      this.marker = marker;
    }

    @Override
    public Row call(Row row) throws IOException {
      if (ROWS.incrementAndGet() == 2) {
        try {
          Files.createFile(Path.of(marker));
          Runtime.getRuntime().halt(137);
        } catch (FileAlreadyExistsException e) {
          // one executor has died already
        }
      }
      return row;
    }
  }
}
