package dev.reparo.spark;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.convert.ConversionCache;
import dev.reparo.io.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.JobArtifactSet$;
import org.apache.spark.JobArtifactState;
import scala.Option;

/**
 * Where executors find the model: either shipped with Spark's file distribution (an {@code .onnx}
 * with {@link SparkContext#addFile}, a converted model's directory as a zip with
 * {@link SparkContext#addArchive}, which executors unpack; each task finds its local copy with
 * {@link SparkFiles#get}) or at a path every executor can read (a shared or network file system).
 * Immutable and thread-safe.
 *
 * @param shipped the name given to {@code addFile}/{@code addArchive}, or null for a shared path
 * @param child the model inside a shipped directory (e.g. {@code model.json}), or empty
 * @param sharedPath the model's path on every executor, or null when shipped
 * @param scope the Spark session's artifact scope (its UUID) the model was shipped in, or null for the
 *     default scope
 */
public record ModelSource(String shipped, String child, String sharedPath, String scope) implements Serializable {
  private static final long serialVersionUID = 1L;
  /**
   * Where an {@code .onnx} is converted: {@code driver} (the default: once, before the job, and the
   * converted model is shipped) or {@code executors} (the {@code .onnx} is shipped and each executor
   * host converts it once into its conversion cache).
   */
  public static final String CONVERT_ON = "spark.reparo.convertOn";
  /** Spark's own logging (SLF4J), so that these lines land in the driver's and executors' logs. */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("dev.reparo.spark");

  /**
   * Ships {@code model} to every executor of {@code spark}: a converted model (given its directory,
   * its {@code model.json} or its {@code .param}) as a zip of its directory, written beside the
   * system's temp files; an {@code .onnx} converted here first (into the standard conversion cache),
   * or as it is when {@link #CONVERT_ON} is {@code executors}. The log says which.
   *
   * <p>Spark 4 keeps a session's files apart from other sessions' (artifact isolation): a file added
   * outside the session's scope is never fetched by that session's tasks, which then find no model
   * (issue 22). So the file is added inside the session's scope, the one its jobs run in, and
   * executors look for it in that scope's directory.
   *
   * @throws InvalidInputException if the model does not exist
   * @throws ModelFormatException if the driver cannot convert the {@code .onnx}
   */
  public static ModelSource ship(SparkSession spark, Path model) {
    Path m = model.toAbsolutePath().normalize();
    if (!Files.exists(m)) {
      throw new InvalidInputException(model + ": no such model file or directory");
    }
    String convertOn = spark.conf().get(CONVERT_ON, "driver");
    if (!convertOn.equals("driver") && !convertOn.equals("executors")) {
      throw new InvalidInputException(CONVERT_ON + " must be 'driver' or 'executors', got '" + convertOn + "'");
    }
    if (m.getFileName().toString().endsWith(".onnx")) {
      if (convertOn.equals("executors")) {
        LOG.info("shipping " + m + " as it is; each executor host converts it once ("
            + CONVERT_ON + "=executors)");
      } else {
        long t0 = System.nanoTime();
        try {
          m = ConversionCache.standard().deploy(m).dir();
        } catch (IOException e) {
          throw new ModelFormatException(model + ": cannot convert it on the driver: " + e.getMessage());
        }
        LOG.info(String.format("converted %s on the driver in %.0f ms (or found it in its"
            + " conversion cache); shipping the converted model %s (%s=driver)", model, (System.nanoTime() - t0) / 1e6,
            m, CONVERT_ON));
      }
    }
    boolean partOfConvertedModel = Files.isRegularFile(m) && !m.getFileName().toString().endsWith(".onnx");
    Path shippedPath = partOfConvertedModel ? m.getParent() : m;
    SparkContext sc = spark.sparkContext();
    if (Files.isDirectory(shippedPath)) {
      // addFile cannot ship a local directory to a cluster; a zip archive can, and executors unpack it.
      Path zip = zipOf(shippedPath);
      String scope = inSessionScope(spark, () -> sc.addArchive(zip.toUri().toString()));
      return new ModelSource(zip.getFileName().toString(),
          partOfConvertedModel ? m.getFileName().toString() : "", null, scope);
    }
    String scope = inSessionScope(spark, () -> sc.addFile(shippedPath.toUri().toString()));
    return new ModelSource(shippedPath.getFileName().toString(), "", null, scope);
  }

  /** A model every executor reads at {@code path}; nothing is copied. */
  public static ModelSource shared(String path) {
    return new ModelSource(null, "", path, null);
  }

  /** The model's path in this JVM; on an executor, its local copy of a shipped model. */
  public Path localPath() {
    if (shipped == null) {
      return Path.of(sharedPath);
    }
    // Executors fetch a session's files into <root>/<session UUID>/, but SparkFiles.get on a task
    // thread resolves names against <root>/ (Spark 4.2), so the scope is resolved here.
    Path copy = scope == null ? Path.of(SparkFiles.get(shipped))
        : Path.of(SparkFiles.getRootDirectory(), scope, shipped).toAbsolutePath();
    if (!Files.exists(copy)) {
      throw new ModelFormatException(copy + ": the model shipped as '" + shipped + "' is not on this executor");
    }
    return child.isEmpty() ? copy : copy.resolve(child);
  }

  /**
   * Runs {@code add} in the artifact scope of {@code spark}'s jobs (Spark 4's classic session);
   * returns that scope's UUID, or null when the session is not isolated.
   */
  private static String inSessionScope(SparkSession spark, Runnable add) {
    if (!(spark instanceof org.apache.spark.sql.classic.SparkSession classic)) {
      add.run();
      return null;
    }
    return classic.artifactManager().withResources(() -> {
      add.run();
      Option<JobArtifactState> state = JobArtifactSet$.MODULE$.getCurrentJobArtifactState();
      return state.isDefined() && !"default".equals(state.get().uuid()) ? state.get().uuid() : null;
    });
  }

  /**
   * {@code dir} as a zip named after it and a digest of its files, in the temp directory: the same
   * content gives the same name (shipping it again is a no-op), other content another name.
   */
  static Path zipOf(Path dir) {
    try {
      List<Path> files;
      try (Stream<Path> s = Files.walk(dir)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      StringBuilder digests = new StringBuilder();
      for (Path f : files) {
        digests.append(dir.relativize(f)).append('=').append(Digests.sha256(f)).append('\n');
      }
      String sha = Digests.sha256(digests.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      Path zip = Path.of(System.getProperty("java.io.tmpdir"), dir.getFileName() + "-" + sha.substring(0, 16) + ".zip");
      if (Files.isRegularFile(zip)) {
        return zip;
      }
      Path tmp = Files.createTempFile(zip.getParent(), "." + zip.getFileName(), ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream z = new ZipOutputStream(out)) {
        for (Path f : files) {
          z.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, z);
          z.closeEntry();
        }
      }
      Files.move(tmp, zip, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return zip;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pack the model directory " + dir + " for the executors: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return shipped == null ? sharedPath : "shipped:" + shipped + (child.isEmpty() ? "" : "/" + child);
  }
}
