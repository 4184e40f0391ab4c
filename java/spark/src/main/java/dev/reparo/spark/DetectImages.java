package dev.reparo.spark;

import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * The per-image step Spark runs on executors: a row with {@code path} and {@code content} in,
 * that image's {@link DetectionRows} out. Deterministic, so a retried task writes the same rows.
 * Immutable; Spark serializes it to every task.
 */
final class DetectImages implements FlatMapFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private final DetectorSettings settings;
  private final int pathIndex;
  private final int contentIndex;
  /** Counts images for progress reports; may be null. */
  private final LongAccumulator imagesDone;

  DetectImages(DetectorSettings settings, int pathIndex, int contentIndex, LongAccumulator imagesDone) {
    this.settings = settings;
    this.pathIndex = pathIndex;
    this.contentIndex = contentIndex;
    this.imagesDone = imagesDone;
  }

  @Override
  public Iterator<Row> call(Row image) {
    String path = image.getString(pathIndex);
    byte[] content = image.isNullAt(contentIndex) ? null : (byte[]) image.get(contentIndex);
    Iterator<Row> rows = DetectionRows.of(path, content, img -> ExecutorDetectors.detect(settings, img)).iterator();
    if (imagesDone != null) {
      imagesDone.add(1);
    }
    return rows;
  }
}
