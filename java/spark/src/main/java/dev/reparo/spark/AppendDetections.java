package dev.reparo.spark;

import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@link ReparoDetector}'s per-row step on the executors: the input row with its detections (an
 * array of {@link DetectionRows#DETECTION}, null for an unreadable image) and, when asked, the
 * reason an image could not be read appended. Deterministic, so a retried task gives the same rows.
 * Immutable; Spark serializes it to every task.
 */
final class AppendDetections implements MapFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private final DetectorSettings settings;
  private final int pathIndex;
  private final int contentIndex;
  private final boolean withError;

  AppendDetections(DetectorSettings settings, int pathIndex, int contentIndex, boolean withError) {
    this.settings = settings;
    this.pathIndex = pathIndex;
    this.contentIndex = contentIndex;
    this.withError = withError;
  }

  @Override
  public Row call(Row in) {
    String path = in.getString(pathIndex);
    byte[] content = in.isNullAt(contentIndex) ? null : (byte[]) in.get(contentIndex);
    DetectionRows.Detected found = DetectionRows.Detected.of(path, content,
        img -> ExecutorDetectors.detect(settings, img));
    var dets = DetectionRows.structs(found);
    Object[] values = new Object[in.size() + (withError ? 2 : 1)];
    for (int i = 0; i < in.size(); i++) {
      values[i] = in.get(i);
    }
    values[in.size()] = dets == null ? null : CollectionConverters.asScala(dets).toSeq();
    if (withError) {
      values[in.size() + 1] = found.error();
    }
    return RowFactory.create(values);
  }
}
