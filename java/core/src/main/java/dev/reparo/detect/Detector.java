package dev.reparo.detect;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.AutoBackendSelector;
import dev.reparo.backend.Backend;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.convert.ModelLocator;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Finds objects in images with a YOLO model: a {@link DetectionTask} (letterbox; decode, NMS, boxes
 * back in the caller's pixels) around inference on a backend. Thresholds may change per call
 * ({@link DetectParams}) without reopening the model.
 *
 * <pre>{@code
 * try (Detector d = Detector.open(Path.of("yolo.onnx"))) {
 *   for (Detection det : d.detect(Path.of("street.jpg"))) System.out.println(det);
 *   List<Detection> sure = d.detect(Path.of("street.jpg"), d.options().params().withConf(0.6f));
 * }
 * }</pre>
 *
 * <p>Thread-safe: one Detector may serve concurrent {@code detect} calls from many threads (each
 * call runs its own inference session on the shared weights). {@link #close} is idempotent; calls
 * after it throw {@link IllegalStateException}; close only once no call is in flight.
 */
public final class Detector implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Detector.class.getName());
  private final DetectorOptions options;
  private final DetectParams defaults;
  private final DetectionTask task;
  private final Backend backend;
  private final LoadedModel loaded;
  private final String backendReason;
  private final int threads;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Detector(DeployedModel model, DetectorOptions options) {
    this.options = options;
    this.defaults = options.params();
    this.task = DetectionTask.forModel(model, options);
    LoadOptions load = options.loadOptions();
    if (options.backend() == BackendKind.AUTO || options.threads() == 0) {
      // AUTO, or threads(0): measured once per model and machine, then remembered.
      AutoBackendSelector selector = AutoBackendSelector.standard(ConversionCache.standard().root());
      AutoBackendSelector.Selection chosen = options.backend() == BackendKind.AUTO
          ? selector.select(model, load)
          : selector.selectThreads(Backends.find(options.backend()), model, load);
      this.backend = chosen.backend();
      this.loaded = chosen.loaded();
      this.threads = chosen.threads();
      this.backendReason = (options.backend() == BackendKind.AUTO ? "AUTO: " : "threads: ")
          + chosen.reason();
    } else {
      this.backend = Backends.find(options.backend());
      this.loaded = backend.load(model, load);
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
   * <p>An {@code .onnx} whose head is an Ultralytics anchor-free head exported decoded is converted
   * with its decode cut off (unless the options name another head): the network stops at the raw
   * box distributions and class logits, and only cells above the confidence threshold are decoded,
   * here. Same detections, less work per image. Where the cut does not apply, the model runs as
   * exported and an info line says why.
   *
   * @throws ModelFormatException if the model cannot be read or converted, naming the file
   * @throws ReparoException if the requested backend cannot run here
   */
  public static Detector open(Path model, DetectorOptions options) {
    boolean rawHead = options.head() == null || options.head() == HeadKind.ANCHOR_FREE_RAW;
    try {
      DeployedModel deployed = ModelLocator.locate(model, rawHead);
      String refused = deployed.metadata().get(ModelMetadata.RAW_HEAD_REFUSED);
      if (rawHead && refused != null && deployed.outputNames().size() == 1) { // one output: a decoded head
        LOG.log(System.Logger.Level.INFO, model + ": head left as exported, its decode not cut off (" + refused + ")");
      }
      return new Detector(deployed, options);
    } catch (IOException e) {
      throw new ModelFormatException(model + ": " + e.getMessage());
    }
  }

  public ModelMetadata metadata() {
    return task.metadata();
  }

  /** Pre- and post-processing without the backend: what this detector does around inference. */
  public DetectionTask task() {
    return task;
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
    return task.head();
  }

  /** Why this head: "requested", or the output shapes (and metadata) that chose it. */
  public String headReason() {
    return task.headReason();
  }

  /** What was assumed for metadata the model lacked (class names, anchors…); empty when nothing. */
  public List<String> headWarnings() {
    return task.headWarnings();
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

  /** Detects in an image file with the options' thresholds. */
  public List<Detection> detect(Path image) {
    return detect(image, defaults);
  }

  /** Detects in an image file with {@code params} as thresholds. */
  public List<Detection> detect(Path image, DetectParams params) {
    checkOpen(); // before decoding: a closed detector says so, whatever the image
    try {
      return detect(ImageLoader.read(image), params);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Detects in an encoded image (JPEG, PNG, ...). */
  public List<Detection> detect(byte[] encoded) {
    return detect(encoded, defaults);
  }

  public List<Detection> detect(byte[] encoded, DetectParams params) {
    checkOpen();
    return detect(ImageLoader.read(encoded, "image bytes"), params);
  }

  public List<Detection> detect(BufferedImage image) {
    return detect(image, defaults);
  }

  public List<Detection> detect(BufferedImage image, DetectParams params) {
    checkOpen();
    BufferedImage bgr = ImageLoader.toBgr(image);
    return detect(ImagePreprocessing.pixels(bgr), bgr.getWidth(), bgr.getHeight(), ImagePreprocessing.stride(bgr),
        params);
  }

  /**
   * The half of {@link #detect(BufferedImage)} before inference: {@code image} letterboxed and
   * normalised as {@link #preprocess} does, with its placement, held where the backend runs it
   * from. {@code detect(prepare(image))} returns what {@code detect(image)} does; preparing on other
   * threads takes that work off the thread that runs inference. Close the result when done.
   */
  public PreparedImage prepare(BufferedImage image) {
    checkOpen();
    BufferedImage bgr = ImageLoader.toBgr(image);
    Letterbox box = task.preprocessing().letterbox(bgr.getWidth(), bgr.getHeight());
    return new PreparedImage(box, loaded.prepare(ImagePreprocessing.pixels(bgr), bgr.getWidth(), bgr.getHeight(),
        ImagePreprocessing.stride(bgr), task.preprocessing().input(box)));
  }

  /**
   * Detects in an image {@link #prepare}d by this detector, with the options' thresholds.
   *
   * @throws IllegalStateException if {@code image} is closed
   */
  public List<Detection> detect(PreparedImage image) {
    return detect(image, defaults);
  }

  /** As {@link #detect(PreparedImage)} with {@code params} as thresholds. */
  public List<Detection> detect(PreparedImage image, DetectParams params) {
    checkOpen();
    task.head(); // a model without a head fails before inference
    return task.postprocess(image.input().run(), image.letterbox(), params);
  }

  /**
   * The input tensor {@code [1, 3, H, W]} that {@link #detect(BufferedImage)} runs for this
   * image: letterboxed and normalised exactly as detection does (calibration uses it so that
   * int8 scales see what inference will see).
   */
  public Tensor preprocess(BufferedImage image) {
    checkOpen();
    return task.preprocessing().apply(image, loaded::preprocess);
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
    return detect(bgr, width, height, stride, defaults);
  }

  /** As {@link #detect(ByteBuffer, int, int, int)} with {@code params} as thresholds. */
  public List<Detection> detect(ByteBuffer bgr, int width, int height, int stride, DetectParams params) {
    checkOpen();
    task.head(); // a model without a head fails before inference
    Letterbox box = task.preprocessing().letterbox(width, height);
    List<Tensor> outputs = loaded.runImage(bgr, width, height, stride, task.preprocessing().input(box));
    return task.postprocess(outputs, box, params);
  }

  /**
   * Detects in each image; the result lists line up with {@code images}, and equal what
   * {@link #detect(BufferedImage)} returns for each image (within float rounding: a batched run may
   * sum in another order). Where the backend batches ({@code LoadedModel.maxBatch() > 1}), images
   * are letterboxed, stacked into {@code [N, 3, H, W]} and run together, N up to that maximum:
   * ONNX Runtime, when the model's input has a dynamic batch dimension (and a fixed height and
   * width; up to 16 images a run). Otherwise they run one at a time, with the same
   * results: ncnn (which has no batch axis), TensorRT (engines are built for a batch of 1), and any
   * model whose input declares a batch of 1, as most exports do.
   */
  public List<List<Detection>> detectBatch(List<BufferedImage> images) {
    return detectBatch(images, defaults);
  }

  /** As {@link #detectBatch(List)} with {@code params} as thresholds. */
  public List<List<Detection>> detectBatch(List<BufferedImage> images, DetectParams params) {
    checkOpen();
    List<List<Detection>> out = new ArrayList<>(images.size());
    int batch = loaded.maxBatch();
    if (batch <= 1 || images.size() <= 1) {
      for (BufferedImage img : images) {
        out.add(detect(img, params));
      }
      return out;
    }
    task.head(); // a model without a head fails before inference
    for (int start = 0; start < images.size(); start += batch) {
      List<BufferedImage> chunk = images.subList(start, Math.min(images.size(), start + batch));
      List<Letterbox> boxes = new ArrayList<>(chunk.size());
      List<Tensor> inputs = new ArrayList<>(chunk.size());
      for (BufferedImage img : chunk) {
        BufferedImage bgr = ImageLoader.toBgr(img);
        Letterbox box = task.preprocessing().letterbox(bgr.getWidth(), bgr.getHeight());
        boxes.add(box);
        inputs.add(loaded.preprocess(ImagePreprocessing.pixels(bgr), bgr.getWidth(), bgr.getHeight(),
            ImagePreprocessing.stride(bgr), task.preprocessing().input(box)));
      }
      List<List<Tensor>> outputs = loaded.runBatch(inputs);
      for (int i = 0; i < chunk.size(); i++) {
        out.add(task.postprocess(outputs.get(i), boxes.get(i), params));
      }
    }
    return out;
  }

  /** How many images one inference run of {@link #detectBatch} takes at most; 1 where images run one by one. */
  public int maxBatch() {
    return loaded.maxBatch();
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
