package dev.reparo.spark;

import dev.reparo.InvalidInputException;
import dev.reparo.detect.DetectorOptions;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Batch detection on Spark. Input is what {@code spark.read().format("binaryFile").load(dir)}
 * gives (columns {@code path} and {@code content}; others are ignored); output has the rows of
 * {@link DetectionRows#SCHEMA}, one per detection plus one per image without detections or with
 * an error. Each executor JVM opens one detector per model and settings and shares it between its
 * tasks. Rows are a deterministic function of each image, and writing the result with
 * {@code DataFrameWriter} (e.g. {@code .write().parquet(dir)}) commits each task's output once,
 * so task retries never duplicate rows.
 *
 * <p>Stateless and thread-safe. Inference threads: {@code options.threads()} per detection, and an
 * executor runs as many detections at once as it has cores, so keep threads × executor cores at
 * or below the machine's physical cores (0, the backend default, uses all cores per detection).
 */
public final class ReparoSpark {
  public static final String PATH = "path";
  public static final String CONTENT = "content";

  private ReparoSpark() {}

  /**
   * Detects objects in every image of {@code images}; ships {@code model} (an {@code .onnx} or a
   * converted model) to the executors with {@code SparkContext.addFile}. Lazy: nothing runs until
   * the result is written or collected.
   *
   * @throws InvalidInputException if the model does not exist or {@code images} lacks the columns
   */
  public static Dataset<Row> detect(Dataset<Row> images, Path model, DetectorOptions options) {
    ModelSource source = ModelSource.ship(images.sparkSession(), model);
    return detect(images, DetectorSettings.of(source, options));
  }

  /** Detects with a model already shipped or on a shared path; see {@link ModelSource}. */
  public static Dataset<Row> detect(Dataset<Row> images, ModelSource model, DetectorOptions options) {
    return detect(images, DetectorSettings.of(model, options));
  }

  /** Detects with {@code settings}, reading the images from the standard columns. */
  public static Dataset<Row> detect(Dataset<Row> images, DetectorSettings settings) {
    return detect(images, settings, PATH, CONTENT, null);
  }

  /** Detects reading paths from {@code pathCol} and image bytes from {@code contentCol}; counts images into {@code done}. */
  static Dataset<Row> detect(Dataset<Row> images, DetectorSettings settings, String pathCol, String contentCol,
      LongAccumulator done) {
    StructType schema = images.schema();
    requireColumn(schema, pathCol, DataTypes.StringType);
    requireColumn(schema, contentCol, DataTypes.BinaryType);
    DetectImages fn = new DetectImages(settings, schema.fieldIndex(pathCol), schema.fieldIndex(contentCol), done);
    return images.flatMap(fn, Encoders.row(DetectionRows.SCHEMA));
  }

  static void requireColumn(StructType schema, String name, DataType type) {
    if (!Arrays.asList(schema.fieldNames()).contains(name) || !schema.apply(name).dataType().equals(type)) {
      throw new InvalidInputException("images need a " + type.simpleString() + " column '" + name
          + "' (as spark.read().format(\"binaryFile\") gives); they have " + schema.simpleString());
    }
  }
}
