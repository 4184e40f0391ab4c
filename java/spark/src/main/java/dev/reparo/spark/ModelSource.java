package dev.reparo.spark;

import dev.reparo.InvalidInputException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Where executors find the model: either shipped with Spark's file distribution
 * ({@link SparkContext#addFile}; executors read their local copy through {@link SparkFiles}) or at
 * a path every executor can read (a shared or network file system). Immutable and thread-safe.
 *
 * @param shipped the name given to {@code addFile}, or null for a shared path
 * @param child the model inside a shipped directory (e.g. {@code model.json}), or empty
 * @param sharedPath the model's path on every executor, or null when shipped
 */
public record ModelSource(String shipped, String child, String sharedPath) implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Ships {@code model} to every executor of {@code sc}: an {@code .onnx} file as it is, a converted
   * model as its whole directory (given the directory, its {@code model.json} or its {@code .param}).
   *
   * @throws InvalidInputException if the model does not exist
   */
  public static ModelSource ship(SparkContext sc, Path model) {
    Path m = model.toAbsolutePath().normalize();
    if (!Files.exists(m)) {
      throw new InvalidInputException(model + ": no such model file or directory");
    }
    boolean partOfConvertedModel = Files.isRegularFile(m) && !m.getFileName().toString().endsWith(".onnx");
    Path shippedPath = partOfConvertedModel ? m.getParent() : m;
    String uri = shippedPath.toUri().toString().replaceAll("/$", "");
    if (!CollectionConverters.asJava(sc.listFiles()).contains(uri)) { // shipping twice only logs a warning
      sc.addFile(uri, Files.isDirectory(shippedPath));
    }
    return new ModelSource(shippedPath.getFileName().toString(),
        partOfConvertedModel ? m.getFileName().toString() : "", null);
  }

  /** A model every executor reads at {@code path}; nothing is copied. */
  public static ModelSource shared(String path) {
    return new ModelSource(null, "", path);
  }

  /** The model's path in this JVM; on an executor, its local copy of a shipped model. */
  public Path localPath() {
    if (shipped == null) {
      return Path.of(sharedPath);
    }
    Path copy = Path.of(SparkFiles.get(shipped));
    return child.isEmpty() ? copy : copy.resolve(child);
  }

  @Override
  public String toString() {
    return shipped == null ? sharedPath : "shipped:" + shipped + (child.isEmpty() ? "" : "/" + child);
  }
}
