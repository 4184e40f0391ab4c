package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.AutoBackendSelector;
import dev.reparo.backend.Backend;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.convert.ModelLocator;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Finds objects in images with a YOLOv5-style model: letterbox, inference on a backend, decode, NMS,
 * boxes back in the caller's pixels.
 *
 * <pre>{@code
 * try (Detector d = Detector.open(Path.of("yolo.onnx"))) {
 *   for (Detection det : d.detect(Path.of("street.jpg"))) System.out.println(det);
 * }
 * }</pre>
 *
 * <p>Thread-safe: one Detector may serve concurrent {@code detect} calls from many threads (each
 * call runs its own inference session on the shared weights). {@link #close} is idempotent; calls
 * after it throw {@link IllegalStateException}; close only once no call is in flight.
 */
public final class Detector implements AutoCloseable {
  private final DeployedModel model;
  private final ModelMetadata metadata;
  private final DetectorOptions options;
  private final Backend backend;
  private final LoadedModel loaded;
  private final String backendReason;
  private final int threads;
  private static final System.Logger LOG = System.getLogger(Detector.class.getName());

  private final PostProcessor post;
  private final String headReason;
  private final List<String> headWarnings;
  private final ModelFormatException headFailure;
  private final boolean[] classMask;
  private final int inputWidth;
  private final int inputHeight;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Detector(DeployedModel model, DetectorOptions options) {
    this.model = model;
    this.options = options;
    String source = model.sourceFile().isEmpty() ? model.dir().toString() : model.sourceFile();
    ModelMetadata parsed = ModelMetadata.parse(model.metadata(), options.metadataOverrides(), source);
    long[] declared = model.inputShape();
    if (declared.length != 4 || declared[1] != 3) {
      throw new ModelFormatException(model.dir() + ": input '" + model.inputName() + "' has shape "
          + Arrays.toString(declared) + "; a detector takes [1, 3, H, W]");
    }
    int size = options.inputSize();
    boolean fixed = declared[2] > 0 && declared[3] > 0;
    if (fixed && size != 0 && (size != declared[2] || size != declared[3])) {
      throw new InvalidInputException("model input is fixed at " + declared[3] + "x" + declared[2]
          + "; input size " + size + " cannot be used with it");
    }
    this.inputHeight = size != 0 ? size : fixed ? (int) declared[2] : parsed.inputHeight();
    this.inputWidth = size != 0 ? size : fixed ? (int) declared[3] : parsed.inputWidth();
    Map<String, String> props = new HashMap<>(model.metadata());
    props.putAll(options.metadataOverrides());
    // A model whose head cannot be told still opens: pre-processing (calibration) needs no head;
    // head() and detect() then throw the resolver's error.
    HeadResolver.Resolution head = null;
    ModelFormatException headError = null;
    try {
      head = HeadResolver.resolve(model.outputShapes(), parsed, props, options.head(), inputHeight, inputWidth, source);
    } catch (ModelFormatException e) {
      headError = e;
    }
    this.headFailure = headError;
    this.metadata = (head == null ? parsed : head.metadata()).withInputSize(inputHeight, inputWidth);
    this.headReason = head == null ? headError.getMessage() : head.reason();
    this.headWarnings = head == null ? List.of() : head.warnings();
    for (String w : headWarnings) {
      LOG.log(System.Logger.Level.WARNING, source + ": " + w);
    }
    this.post = head == null ? null : new PostProcessor(head.head(), metadata.names());
    this.classMask = post == null ? null : options.classMask(metadata.names().size());
    if (options.backend() == DetectorOptions.Backend.AUTO || options.threads() == 0) {
      // AUTO, or threads(0): measured once per model and machine, then remembered.
      AutoBackendSelector selector = AutoBackendSelector.standard(ConversionCache.standard().root());
      AutoBackendSelector.Selection chosen = options.backend() == DetectorOptions.Backend.AUTO
          ? selector.select(model, options)
          : selector.selectThreads(Backends.find(options.backend()), model, options);
      this.backend = chosen.backend();
      this.loaded = chosen.loaded();
      this.threads = chosen.threads();
      this.backendReason = (options.backend() == DetectorOptions.Backend.AUTO ? "AUTO: " : "threads: ")
          + chosen.reason();
    } else {
      this.backend = Backends.find(options.backend());
      this.loaded = backend.load(model, options);
      this.threads = options.threads();
      this.backendReason = "requested";
    }
  }

  /** Opens a model with default options; see {@link #open(Path, DetectorOptions)}. */
  public static Detector open(Path model) {
    return open(model, DetectorOptions.defaults());
  }

  /**
   * Opens a model: a training-form or fused {@code .onnx} (converted and fused on first use, the
   * result cached on disk by the file's hash and Reparo's version), or a converted model (its
   * directory, its {@code model.json} or its {@code .param}).
   *
   * @throws ModelFormatException if the model cannot be read or converted, naming the file
   * @throws ReparoException if the requested backend cannot run here
   */
  public static Detector open(Path model, DetectorOptions options) {
    try {
      return new Detector(ModelLocator.locate(model), options);
    } catch (IOException e) {
      throw new ModelFormatException(model + ": " + e.getMessage());
    }
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  public DetectorOptions options() {
    return options;
  }

  /**
   * How this model's outputs are decoded.
   *
   * @throws ModelFormatException if no head fits the model's outputs (the model still pre-processes)
   */
  public DetectionHead head() {
    return postProcessor().head();
  }

  private PostProcessor postProcessor() {
    if (post == null) {
      throw new ModelFormatException(headFailure.getMessage());
    }
    return post;
  }

  /** Why this head: "requested", or the output shapes (and metadata) that chose it. */
  public String headReason() {
    return headReason;
  }

  /** What was assumed for metadata the model lacked (class names, anchors…); empty when nothing. */
  public List<String> headWarnings() {
    return headWarnings;
  }

  /** The backend running the model, e.g. "ncnn 1.0.20261020". */
  public String backendDescription() {
    return backend.describe();
  }

  /**
   * Why this backend and thread count run the model: "requested", or the probe's reason (timings,
   * or the cached choice) for AUTO or {@code threads(0)}.
   */
  public String backendReason() {
    return backendReason;
  }

  /**
   * Inference threads per call: the count requested, or the one {@code threads(0)} chose by
   * measurement; 0 only where nothing was probed and the backend uses its own default.
   */
  public int threads() {
    return threads;
  }

  public List<Detection> detect(Path image) {
    checkOpen(); // before decoding: a closed detector says so, whatever the image
    try {
      return detect(ImageLoader.read(image));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Detects in an encoded image (JPEG, PNG, ...). */
  public List<Detection> detect(byte[] encoded) {
    checkOpen();
    return detect(ImageLoader.read(encoded, "image bytes"));
  }

  public List<Detection> detect(BufferedImage image) {
    checkOpen();
    BufferedImage bgr = ImageLoader.toBgr(image);
    PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) bgr.getSampleModel();
    return detect(pixels(bgr), bgr.getWidth(), bgr.getHeight(), sm.getScanlineStride());
  }

  /**
   * The input tensor {@code [1, 3, H, W]} that {@link #detect(BufferedImage)} runs for this
   * image: letterboxed and normalised exactly as detection does (calibration uses it so that
   * int8 scales see what inference will see).
   */
  public Tensor preprocess(BufferedImage image) {
    checkOpen();
    BufferedImage bgr = ImageLoader.toBgr(image);
    PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) bgr.getSampleModel();
    Letterbox box = Letterbox.fixed(bgr.getWidth(), bgr.getHeight(), inputWidth, inputHeight);
    return loaded.preprocess(pixels(bgr), bgr.getWidth(), bgr.getHeight(), sm.getScanlineStride(), box, metadata);
  }

  private static ByteBuffer pixels(BufferedImage bgr) {
    PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) bgr.getSampleModel();
    DataBufferByte db = (DataBufferByte) bgr.getRaster().getDataBuffer();
    int offset = db.getOffset() - bgr.getRaster().getSampleModelTranslateY() * sm.getScanlineStride()
        - bgr.getRaster().getSampleModelTranslateX() * 3;
    return ByteBuffer.wrap(db.getData()).position(offset).slice();
  }

  /** Detects in raw interleaved 8-bit BGR pixels, rows packed ({@code width·3} bytes each). */
  public List<Detection> detect(ByteBuffer bgr, int width, int height) {
    return detect(bgr, width, height, width * 3);
  }

  /**
   * Detects in raw interleaved 8-bit BGR pixels with {@code stride} bytes per row. A direct buffer
   * is read in place by native pre-processing.
   */
  public List<Detection> detect(ByteBuffer bgr, int width, int height, int stride) {
    checkOpen();
    PostProcessor post = postProcessor();
    Letterbox box = Letterbox.fixed(width, height, inputWidth, inputHeight);
    List<Tensor> outputs = loaded.runImage(bgr, width, height, stride, box, metadata);
    return post.process(outputs, box, options.confThreshold(), options.iouThreshold(), options.maxDetections(),
        options.agnosticNms(), classMask);
  }

  /**
   * Decodes the model's raw outputs for an input made by {@link #preprocess} (outputs in the
   * model's output order), with this detector's thresholds; boxes are in the input tensor's
   * pixels (the letterbox is not undone). Calibration uses it to compare int8 with FP32 detections.
   */
  public List<Detection> decode(List<Tensor> outputs) {
    checkOpen();
    Letterbox box = Letterbox.fixed(inputWidth, inputHeight, inputWidth, inputHeight);
    return postProcessor().process(outputs, box, options.confThreshold(), options.iouThreshold(),
        options.maxDetections(), options.agnosticNms(), classMask);
  }

  /** Detects in each image in turn; the result lists line up with {@code images}. */
  public List<List<Detection>> detectBatch(List<BufferedImage> images) {
    List<List<Detection>> out = new ArrayList<>(images.size());
    for (BufferedImage img : images) {
      out.add(detect(img));
    }
    return out;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("detector is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      loaded.close();
    }
  }
}
