package dev.reparo.spark;

import dev.reparo.InvalidInputException;
import dev.reparo.Progress;
import dev.reparo.ReparoException;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.util.LongAccumulator;

/**
 * One batch detection run as {@code reparo spark-detect} does it: read the images with the
 * {@code binaryFile} source, detect on the executors, write Parquet, count the result. A local
 * output directory appears in one rename once the job has committed (a failed run leaves nothing
 * under its name); other file systems rely on Spark's output committer. Its API uses no Spark
 * types, so callers load without Spark on the class path. Stateless and thread-safe; runs share
 * the JVM's one Spark session (a session that was running before stays running).
 */
public final class SparkDetectJob {
  /** Image file names the directory source picks up (the CLI's own list, both cases). */
  /** The master when neither the request nor spark-submit names one. */
  public static final String DEFAULT_MASTER = "local[2]";
  static final String IMAGE_GLOB = "*.{jpg,jpeg,png,bmp,gif,tif,tiff,JPG,JPEG,PNG,BMP,GIF,TIF,TIFF}";

  /**
   * What to run. Immutable.
   *
   * @param master a Spark master URL, e.g. {@code local[2]} or {@code spark://host:7077}; null: the one
   *     spark-submit set, else {@link #DEFAULT_MASTER}
   * @param model the model on this machine, shipped to the executors; with {@code sharedModel}, its path
   *     on every executor (a shared file system), not shipped
   * @param source a directory of images, one image, or a glob (any Hadoop file system URI)
   * @param out the Parquet output directory (a path, or a URI such as {@code hdfs://...})
   * @param partitions spread the images over this many tasks (hashed by path); 0: as Spark reads them
   * @param conf extra Spark settings
   */
  public record Request(String master, String source, Path model, boolean sharedModel, String out, int partitions, boolean overwrite,
      DetectorOptions options, Map<String, String> conf) {
    public Request {
      conf = Map.copyOf(conf);
    }
  }

  /** What a run did, counted from the written output; {@code master} is the one it ran on. Immutable. */
  public record Summary(long images, long detections, long withoutDetections, long errors, double seconds,
      String out, String master) {
    public double imagesPerSecond() {
      return images / Math.max(seconds, 1e-9);
    }
  }

  private SparkDetectJob() {}

  /**
   * Runs {@code request}; starts a Spark session and stops it at the end, or joins the JVM's running
   * one (an application's, or a test's) and leaves it running.
   *
   * @param progress told how many images are done (phase "detect"): from Spark's listener thread
   *     after each task, and once more from this thread when the output is written (so
   *     implementations synchronize)
   * @throws InvalidInputException for a missing model, no images, an output that exists, or a
   *     running session on another master than the request's
   */
  public static Summary run(Request request, Progress progress) {
    if (!request.sharedModel() && !Files.exists(request.model())) {
      throw new InvalidInputException(request.model() + ": no such model file or directory");
    }
    // Under spark-submit the master and jars are already set; otherwise the request's (or local[2]).
    String submitted = System.getProperty("spark.master");
    String master = request.master() != null ? request.master() : submitted != null ? submitted : DEFAULT_MASTER;
    // Plain paths are local files on a local master; on a cluster they belong to its default file system.
    boolean local = master.startsWith("local");
    Path localSource = local ? localPath(request.source()) : null;
    if (localSource != null && !isGlob(request.source()) && !Files.exists(localSource)) {
      throw new InvalidInputException(request.source() + ": no such file or directory");
    }
    Path localOut = local ? localPath(request.out()) : null;
    if (localOut != null && Files.exists(localOut) && !request.overwrite()) {
      throw new InvalidInputException(localOut + " exists; remove it or pass --overwrite");
    }
    SparkSession.Builder builder = SparkSession.builder().master(master).appName("reparo spark-detect");
    if (submitted == null) {
      builder.config("spark.ui.enabled", "false");
    }
    String jar = reparoJar();
    if (jar != null && !master.startsWith("local") && System.getProperty("spark.jars") == null) {
      builder.config("spark.jars", jar);
    }
    request.conf().forEach(builder::config);
    SparkSession running = SparkSession.getActiveSession()
        .getOrElse(() -> SparkSession.getDefaultSession().getOrElse(() -> null));
    if (running != null && request.master() != null && !running.sparkContext().master().equals(request.master())) {
      throw new InvalidInputException("this JVM's Spark session runs on " + running.sparkContext().master()
          + ", not on " + request.master());
    }
    SparkSession spark = running != null ? running : builder.getOrCreate();
    try {
      return run(spark, request, localSource, localOut, progress);
    } catch (ReparoException e) {
      throw e;
    } catch (Exception e) { // Spark's job failures are checked exceptions in Java's eyes
      throw explain(e);
    } finally {
      if (running == null) {
        spark.stop();
      }
    }
  }

  /** A failed job as Reparo's own error when one caused it (e.g. a model no executor can open). */
  static RuntimeException explain(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ReparoException r) {
        return new ReparoException("the Spark job failed: " + r.getMessage(), e);
      }
    }
    return e instanceof RuntimeException r ? r : new ReparoException("the Spark job failed: " + e.getMessage(), e);
  }

  private static Summary run(SparkSession spark, Request request, Path localSource, Path localOut,
      Progress progress) {
    Dataset<Row> images = readImages(spark, request.source(), localSource);
    long total = images.count();
    if (total == 0) {
      throw new InvalidInputException(request.source() + ": no images (" + IMAGE_GLOB + ")");
    }
    if (request.partitions() > 0) {
      images = images.repartition(request.partitions(), functions.col(ReparoSpark.PATH));
    }
    ModelSource model = request.sharedModel() ? ModelSource.shared(request.model().toString())
        : ModelSource.ship(spark, request.model());
    LongAccumulator done = spark.sparkContext().longAccumulator("reparo images");
    ImagesProgress listener = new ImagesProgress(done, total, progress);
    spark.sparkContext().addSparkListener(listener);
    long t0 = System.nanoTime();
    String written;
    try {
      Dataset<Row> rows = ReparoSpark.detect(images, DetectorSettings.of(model, request.options()),
          ReparoSpark.PATH, ReparoSpark.CONTENT, done);
      written = localOut != null ? writeLocal(rows, localOut) : writeRemote(rows, request);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    progress.step(ImagesProgress.PHASE, Math.min(done.value(), total), total);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long detections = 0;
    long none = 0;
    long errors = 0;
    long imagesOut = 0;
    for (Row r : spark.read().parquet(written).groupBy("status")
        .agg(functions.count("*"), functions.countDistinct(ReparoSpark.PATH)).collectAsList()) {
      long rows = r.getLong(1);
      imagesOut += r.getLong(2);
      switch (r.getString(0)) {
        case DetectionRows.DETECTED -> detections = rows;
        case DetectionRows.NONE -> none = rows;
        default -> errors = rows;
      }
    }
    return new Summary(imagesOut, detections, none, errors, seconds,
        localOut != null ? localOut.toString() : request.out(), spark.sparkContext().master());
  }

  /** The images at {@code source}; {@code local} is its local path, or null for a URI or a cluster path. */
  static Dataset<Row> readImages(SparkSession spark, String source, Path local) {
    var reader = spark.read().format("binaryFile");
    if (!isGlob(source)) { // a glob chooses its own files
      reader = reader.option("pathGlobFilter", IMAGE_GLOB);
    }
    try {
      // URIs keep local paths local whatever the cluster's default file system; a glob is not URI-encoded.
      String where = local == null ? source : isGlob(source) ? "file://" + local : local.toUri().toString();
      return reader.load(where);
    } catch (Exception e) {
      if (e instanceof AnalysisException) {
        throw new InvalidInputException(source + ": no images found (" + e.getMessage().lines().findFirst().orElse("")
            + ")");
      }
      throw e;
    }
  }

  private static boolean isGlob(String source) {
    return source.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
  }

  /** {@code out} as a local path, or null when it is a URI of another file system. */
  static Path localPath(String out) {
    int colon = out.indexOf("://");
    if (colon < 0) {
      return Path.of(out).toAbsolutePath().normalize();
    }
    URI uri = URI.create(out);
    return "file".equals(uri.getScheme().toLowerCase(Locale.ROOT)) ? Path.of(uri) : null;
  }

  /** Writes into a hidden directory beside {@code out}, then renames it into place. */
  private static String writeLocal(Dataset<Row> rows, Path out) {
    Path parent = out.getParent();
    Path tmp = parent.resolve("." + out.getFileName() + ".tmp-" + Long.toHexString(System.nanoTime()));
    try {
      Files.createDirectories(parent);
      rows.write().parquet(tmp.toUri().toString());
      if (Files.exists(out)) {
        Path old = parent.resolve("." + out.getFileName() + ".old-" + Long.toHexString(System.nanoTime()));
        Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      } else {
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      }
      return out.toUri().toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
    } finally {
      deleteTree(tmp);
    }
  }

  private static String writeRemote(Dataset<Row> rows, Request request) {
    rows.write().mode(request.overwrite() ? "overwrite" : "errorifexists").parquet(request.out());
    return request.out();
  }

  private static void deleteTree(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** The jar holding Reparo (the CLI jar when run by {@code reparo}), for executors of a cluster. */
  private static String reparoJar() {
    try {
      Path p = Path.of(ReparoSpark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) ? p.toString() : null;
    } catch (Exception e) {
      return null;
    }
  }
}
