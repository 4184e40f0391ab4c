package dev.reparo.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import dev.reparo.backend.BackendKind;
import dev.reparo.detect.DetectorOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Detection as a Spark ML {@link Transformer}, so that it composes into pipelines: images in
 * ({@code pathCol}, {@code contentCol}, as the {@code binaryFile} source gives), the same rows out
 * with every input column kept and one column appended, {@code outputCol} (default
 * {@code detections}): an array of {@link DetectionRows#DETECTION} structs (class_id, label, score,
 * x, y, w, h), best score first, empty when nothing was found and null when the image cannot be
 * read (the reason goes to {@code errorCol} when that is set). {@link ReparoSpark#detect} gives the
 * same detections as a flat table, one row per detection. Save and load it like any pipeline stage.
 *
 * <pre>{@code
 * Dataset<Row> withDets = new ReparoDetector().setModelPath("yolo.onnx").setConfThreshold(0.4)
 *     .transform(spark.read().format("binaryFile").load("photos/"));
 * withDets.select(col("path"), explode(col("detections")).as("d")).select("path", "d.*");
 * }</pre>
 *
 * <p>Like every Spark ML stage, not thread-safe while its params are being set; {@code transform}
 * only reads them.
 */
public final class ReparoDetector extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Param<String> modelPath;
  private final BooleanParam shipModel;
  private final Param<String> backend;
  private final IntParam threads;
  private final IntParam inputSize;
  private final DoubleParam confThreshold;
  private final DoubleParam iouThreshold;
  private final IntParam maxDetections;
  private final Param<String> metadata;
  private final Param<String> pathCol;
  private final Param<String> contentCol;
  private final Param<String> outputCol;
  private final Param<String> errorCol;

  public ReparoDetector() {
    this(Identifiable.randomUID("reparoDetector"));
  }

  public ReparoDetector(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath", "the model: an .onnx or a converted model (directory, model.json or .param)");
    shipModel = new BooleanParam(this, "shipModel",
        "true: copy the model to the executors with SparkContext.addFile; false: modelPath is a path every executor reads");
    backend = new Param<>(this, "backend", "ncnn, onnxruntime, tensorrt or auto");
    threads = new IntParam(this, "threads", "inference threads per detection (0: backend default); × executor cores ≤ physical cores");
    inputSize = new IntParam(this, "inputSize", "model input size in pixels (0: from the model)");
    confThreshold = new DoubleParam(this, "confThreshold", "confidence threshold");
    iouThreshold = new DoubleParam(this, "iouThreshold", "NMS IoU threshold");
    maxDetections = new IntParam(this, "maxDetections", "at most this many detections per image");
    metadata = new Param<>(this, "metadata",
        "JSON object of model metadata overrides, e.g. {\"names\": [\"cat\", \"dog\"]}");
    pathCol = new Param<>(this, "pathCol", "input column with the image path (string)");
    contentCol = new Param<>(this, "contentCol", "input column with the encoded image (binary)");
    outputCol = new Param<>(this, "outputCol", "output column: the image's detections, an array of structs");
    errorCol = new Param<>(this, "errorCol", "output column for why an image could not be read (empty: none)");
    setDefault(shipModel, true);
    setDefault(outputCol, "detections");
    setDefault(errorCol, "");
    setDefault(backend, "ncnn");
    setDefault(threads, 1);
    setDefault(inputSize, 0);
    setDefault(confThreshold, 0.25);
    setDefault(iouThreshold, 0.45);
    setDefault(maxDetections, 300);
    setDefault(metadata, "{}");
    setDefault(pathCol, ReparoSpark.PATH);
    setDefault(contentCol, ReparoSpark.CONTENT);
  }

  /** Reads a saved stage; Spark calls it when loading a pipeline. */
  public static MLReader<ReparoDetector> read() {
    return new DefaultParamsReader<>();
  }

  public static ReparoDetector load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> modelPath() { return modelPath; }
  public BooleanParam shipModel() { return shipModel; }
  public Param<String> backend() { return backend; }
  public IntParam threads() { return threads; }
  public IntParam inputSize() { return inputSize; }
  public DoubleParam confThreshold() { return confThreshold; }
  public DoubleParam iouThreshold() { return iouThreshold; }
  public IntParam maxDetections() { return maxDetections; }
  public Param<String> metadata() { return metadata; }
  public Param<String> pathCol() { return pathCol; }
  public Param<String> contentCol() { return contentCol; }
  public Param<String> outputCol() { return outputCol; }
  public Param<String> errorCol() { return errorCol; }

  public ReparoDetector setModelPath(String v) { set(modelPath, v); return this; }
  public ReparoDetector setShipModel(boolean v) { set(shipModel, v); return this; }
  public ReparoDetector setBackend(String v) { set(backend, v); return this; }
  public ReparoDetector setThreads(int v) { set(threads, v); return this; }
  public ReparoDetector setInputSize(int v) { set(inputSize, v); return this; }
  public ReparoDetector setConfThreshold(double v) { set(confThreshold, v); return this; }
  public ReparoDetector setIouThreshold(double v) { set(iouThreshold, v); return this; }
  public ReparoDetector setMaxDetections(int v) { set(maxDetections, v); return this; }
  public ReparoDetector setMetadata(String json) { set(metadata, json); return this; }
  public ReparoDetector setPathCol(String v) { set(pathCol, v); return this; }
  public ReparoDetector setContentCol(String v) { set(contentCol, v); return this; }
  public ReparoDetector setOutputCol(String v) { set(outputCol, v); return this; }
  public ReparoDetector setErrorCol(String v) { set(errorCol, v); return this; }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType in = dataset.schema();
    StructType out = transformSchema(in);
    ReparoSpark.requireColumn(in, getOrDefault(pathCol), DataTypes.StringType);
    ReparoSpark.requireColumn(in, getOrDefault(contentCol), DataTypes.BinaryType);
    String model = getOrDefault(modelPath);
    ModelSource source = (Boolean) getOrDefault(shipModel)
        ? ModelSource.ship(dataset.sparkSession(), Path.of(model))
        : ModelSource.shared(model);
    AppendDetections fn = new AppendDetections(DetectorSettings.of(source, options()),
        in.fieldIndex(getOrDefault(pathCol)), in.fieldIndex(getOrDefault(contentCol)), !getOrDefault(errorCol).isEmpty());
    return dataset.toDF().map(fn, Encoders.row(out));
  }

  /** The detector options these params describe. */
  DetectorOptions options() {
    DetectorOptions.Builder b = DetectorOptions.builder()
        .backend(backendKind(getOrDefault(backend)))
        .threads((Integer) getOrDefault(threads))
        .inputSize((Integer) getOrDefault(inputSize))
        .confThreshold(((Double) getOrDefault(confThreshold)).floatValue())
        .iouThreshold(((Double) getOrDefault(iouThreshold)).floatValue())
        .maxDetections((Integer) getOrDefault(maxDetections));
    String json = getOrDefault(metadata);
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (java.io.IOException e) {
      throw new InvalidInputException("metadata must be a JSON object, got: " + json);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException("metadata must be a JSON object, got: " + json);
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      b.metadata(e.getKey(), e.getValue().toString());
    }
    return b.build();
  }

  private static BackendKind backendKind(String name) {
    try {
      return BackendKind.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("backend must be ncnn, onnxruntime, tensorrt or auto, got '" + name + "'");
    }
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!isDefined(modelPath)) {
      throw new InvalidInputException("ReparoDetector needs modelPath");
    }
    for (Param<String> col : java.util.List.of(pathCol, contentCol)) {
      String name = getOrDefault(col);
      if (!java.util.Arrays.asList(schema.fieldNames()).contains(name)) {
        throw new InvalidInputException("ReparoDetector: input has no column '" + name + "' (" + col.name()
            + "); it has " + schema.simpleString());
      }
    }
    StructType out = schema;
    for (Param<String> col : java.util.List.of(outputCol, errorCol)) {
      String name = getOrDefault(col);
      if (name.isEmpty()) {
        continue;
      }
      if (java.util.Arrays.asList(out.fieldNames()).contains(name)) {
        throw new InvalidInputException("ReparoDetector: the input already has a column '" + name + "' ("
            + col.name() + "); choose another name");
      }
      out = out.add(name, col == outputCol ? DataTypes.createArrayType(DetectionRows.DETECTION, false)
          : DataTypes.StringType, true);
    }
    return out;
  }

  @Override
  public ReparoDetector copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
