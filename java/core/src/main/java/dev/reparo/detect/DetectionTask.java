package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything about detection that is not running the network, like DJL's {@code Translator}:
 * pre-processing (letterbox and normalisation, {@link #preprocessing()}) and post-processing (the
 * head's decoding, NMS, boxes back in image pixels, {@link #postprocess}). Needs no backend, so it
 * is tested without one; {@link Detector} pairs it with a loaded model. Immutable and thread-safe.
 */
public final class DetectionTask {
  private static final System.Logger LOG = System.getLogger(DetectionTask.class.getName());

  private final ModelMetadata metadata;
  private final ImagePreprocessing preprocessing;
  private final PostProcessor post;
  private final ModelFormatException headFailure;
  private final String headReason;
  private final List<String> headWarnings;

  private DetectionTask(ModelMetadata metadata, PostProcessor post, ModelFormatException headFailure,
      String headReason, List<String> headWarnings) {
    this.metadata = metadata;
    this.preprocessing = new ImagePreprocessing(metadata);
    this.post = post;
    this.headFailure = headFailure;
    this.headReason = headReason;
    this.headWarnings = List.copyOf(headWarnings);
  }

  /**
   * A task with a known head.
   *
   * @param metadata class names (one per head class), input size and normalisation
   */
  public DetectionTask(ModelMetadata metadata, DetectionHead head) {
    this(metadata, new PostProcessor(head, metadata.names()), null, "given", List.of());
  }

  /**
   * The task for a converted model: metadata (with the options' overrides), the input size (the
   * options', else the model's fixed one, else the metadata's) and the head (the options', else
   * chosen from the output shapes and metadata; assumptions are logged as warnings). A model whose
   * head cannot be told still gives a task that pre-processes; {@link #head()} and
   * {@link #postprocess} then throw the reason.
   *
   * @throws ModelFormatException if the input is no {@code [1, 3, H, W]} image or the metadata is bad
   * @throws InvalidInputException if the options' input size does not fit a fixed-size model, or
   *     their class filter names a class the model lacks
   */
  public static DetectionTask forModel(DeployedModel model, DetectorOptions options) {
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
    int inputHeight = size != 0 ? size : fixed ? (int) declared[2] : parsed.inputHeight();
    int inputWidth = size != 0 ? size : fixed ? (int) declared[3] : parsed.inputWidth();
    Map<String, String> props = new HashMap<>(model.metadata());
    props.putAll(options.metadataOverrides());
    HeadResolver.Resolution head;
    try {
      head = HeadResolver.resolve(model.outputShapes(), parsed, props, options.head(), inputHeight, inputWidth, source);
    } catch (ModelFormatException e) {
      return new DetectionTask(parsed.withInputSize(inputHeight, inputWidth), null, e, e.getMessage(), List.of());
    }
    for (String w : head.warnings()) {
      LOG.log(System.Logger.Level.WARNING, source + ": " + w);
    }
    ModelMetadata meta = head.metadata().withInputSize(inputHeight, inputWidth);
    DetectionTask task = new DetectionTask(meta, new PostProcessor(head.head(), meta.names()), null, head.reason(),
        head.warnings());
    options.params().classMask(meta.names().size()); // a bad class filter fails at open, not at the first image
    return task;
  }

  /** The model's metadata as the task uses it: resolved names, strides, anchors, input size. */
  public ModelMetadata metadata() {
    return metadata;
  }

  /** The pre-processing part alone, for callers that only feed the network (calibration). */
  public ImagePreprocessing preprocessing() {
    return preprocessing;
  }

  /**
   * How the model's outputs are decoded.
   *
   * @throws ModelFormatException if no head fits the model's outputs
   */
  public DetectionHead head() {
    return postProcessor().head();
  }

  /** Why this head: "requested", or the output shapes (and metadata) that chose it; else why none fits. */
  public String headReason() {
    return headReason;
  }

  /** What was assumed for metadata the model lacked (class names, anchors…); empty when nothing. */
  public List<String> headWarnings() {
    return headWarnings;
  }

  /**
   * The model's outputs as detections in image pixels: decoded, filtered by {@code params}, NMS.
   *
   * @param outputs the model's outputs in order
   * @param box where the image was placed in the input ({@link ImagePreprocessing#letterbox})
   * @throws ModelFormatException if no head fits the model's outputs
   * @throws InvalidInputException if the outputs do not fit the head or {@code params} names a
   *     class the model lacks
   */
  public List<Detection> postprocess(List<Tensor> outputs, Letterbox box, DetectParams params) {
    PostProcessor p = postProcessor();
    return p.process(outputs, box, params.conf(), params.iou(), params.maxDetections(), params.agnostic(),
        params.classMask(p.head().numClasses()));
  }

  private PostProcessor postProcessor() {
    if (post == null) {
      throw new ModelFormatException(headFailure.getMessage());
    }
    return post;
  }
}
