package dev.reparo.spark;

import dev.reparo.InvalidInputException;
import dev.reparo.detect.Detection;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The output rows of one image, a pure function of its bytes and the detector: one row per
 * detection ({@code status = "detected"}, best score first, {@code rank} 0, 1, ...), or one row
 * with {@code status = "none"} when nothing was found, or one row with {@code status = "error"}
 * and the reason in {@code error} when the image is bad (cannot be decoded, or the detector
 * rejects it as input); other failures, such as a model that cannot be opened, fail the task. Every row of an image repeats
 * its {@code detections} count, so the rows of each image can be checked: there are
 * {@code max(1, detections)} of them. Boxes are {@code x, y} (top-left) and {@code w, h} in
 * pixels of the image as stored. Stateless and thread-safe.
 */
public final class DetectionRows {
  public static final String DETECTED = "detected";
  public static final String NONE = "none";
  public static final String ERROR = "error";

  /** The output schema of {@link ReparoSpark#detect}. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField("path", DataTypes.StringType, false),
      DataTypes.createStructField("width", DataTypes.IntegerType, true),
      DataTypes.createStructField("height", DataTypes.IntegerType, true),
      DataTypes.createStructField("status", DataTypes.StringType, false),
      DataTypes.createStructField("detections", DataTypes.IntegerType, false),
      DataTypes.createStructField("rank", DataTypes.IntegerType, true),
      DataTypes.createStructField("class_id", DataTypes.IntegerType, true),
      DataTypes.createStructField("label", DataTypes.StringType, true),
      DataTypes.createStructField("score", DataTypes.FloatType, true),
      DataTypes.createStructField("x", DataTypes.FloatType, true),
      DataTypes.createStructField("y", DataTypes.FloatType, true),
      DataTypes.createStructField("w", DataTypes.FloatType, true),
      DataTypes.createStructField("h", DataTypes.FloatType, true),
      DataTypes.createStructField("error", DataTypes.StringType, true)});

  /** One detection as {@link ReparoDetector}'s output column holds it: an element of an array. */
  public static final StructType DETECTION = new StructType(new StructField[] {
      DataTypes.createStructField("class_id", DataTypes.IntegerType, false),
      DataTypes.createStructField("label", DataTypes.StringType, true),
      DataTypes.createStructField("score", DataTypes.FloatType, false),
      DataTypes.createStructField("x", DataTypes.FloatType, false),
      DataTypes.createStructField("y", DataTypes.FloatType, false),
      DataTypes.createStructField("w", DataTypes.FloatType, false),
      DataTypes.createStructField("h", DataTypes.FloatType, false)});

  /** Finds the objects in one decoded image; the detector of this JVM in production. */
  @FunctionalInterface
  interface ImageDetector {
    List<Detection> detect(BufferedImage image);
  }

  private DetectionRows() {}

  /** One image decoded and its detections, or why it could not be read ({@code error} set, the rest null). */
  record Detected(BufferedImage image, List<Detection> detections, String error) {
    /** Decodes {@code content} (the image at {@code path}) and detects in it. */
    static Detected of(String path, byte[] content, ImageDetector detector) {
      try {
        BufferedImage image = ImageLoader.read(content == null ? new byte[0] : content, path);
        return new Detected(image, detector.detect(image), null);
      } catch (InvalidInputException e) {
        return new Detected(null, null, e.getMessage());
      }
    }
  }

  /** The detections of one image as {@link #DETECTION} structs, best score first; null if {@code d} has an error. */
  static List<Row> structs(Detected d) {
    if (d.error() != null) {
      return null;
    }
    List<Row> out = new ArrayList<>(d.detections().size());
    for (Detection x : d.detections()) {
      out.add(RowFactory.create(x.classId(), x.label(), x.score(), x.x1(), x.y1(), x.width(), x.height()));
    }
    return out;
  }

  /** The rows of the image at {@code path} whose encoded bytes are {@code content}. */
  static List<Row> of(String path, byte[] content, ImageDetector detector) {
    Detected found = Detected.of(path, content, detector);
    if (found.error() != null) {
      return List.of(RowFactory.create(path, null, null, ERROR, 0, null, null, null, null, null, null, null, null,
          found.error()));
    }
    BufferedImage image = found.image();
    List<Detection> dets = found.detections();
    int w = image.getWidth();
    int h = image.getHeight();
    if (dets.isEmpty()) {
      return List.of(RowFactory.create(path, w, h, NONE, 0, null, null, null, null, null, null, null, null, null));
    }
    List<Row> rows = new ArrayList<>(dets.size());
    for (int i = 0; i < dets.size(); i++) {
      Detection d = dets.get(i);
      rows.add(RowFactory.create(path, w, h, DETECTED, dets.size(), i, d.classId(), d.label(), d.score(), d.x1(),
          d.y1(), d.width(), d.height(), null));
    }
    return rows;
  }
}
