package dev.reparo.tensorrt;

import dev.reparo.ModelFormatException;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.ModelMetadata;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;

/**
 * The one input shape a TensorRT engine is built and run for. A model may record dynamic input
 * dimensions (-1, from symbolic ONNX dims); TensorRT then needs an optimization profile, so this
 * fixes them: batch 1, height and width from the load options' input size when given (the size the
 * letterbox then produces), else from the model's {@code input_size} metadata and {@link EngineBuilder} makes a profile whose
 * minimum, optimum and maximum are that shape. Where the model does not say, it refuses before
 * any build, naming the input. Stateless and thread-safe.
 */
final class EngineInputShape {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EngineInputShape() {}

  /** {@link #of(DeployedModel, int)} without an input size of the caller's. */
  static long[] of(DeployedModel model) {
    return of(model, 0);
  }

  /**
   * The model's input shape with every dynamic dimension fixed; throws naming the input if it cannot.
   *
   * @param inputSize square side for dynamic height and width ({@code LoadOptions.inputSize()}); 0 to
   *     read the model's metadata
   */
  static long[] of(DeployedModel model, int inputSize) {
    long[] declared = model.inputShape();
    if (Arrays.stream(declared).allMatch(d -> d > 0)) {
      return declared.clone();
    }
    String what = "input '" + model.inputName() + "' of " + model.dir() + " has dynamic dimensions "
        + Arrays.toString(declared);
    if (declared.length != 4) {
      throw new ModelFormatException(what + " and is not NCHW; TensorRT needs a fixed shape: export it with one");
    }
    if (declared[1] <= 0) {
      throw new ModelFormatException(what + ": the channel count is unknown; export it with a fixed shape");
    }
    long[] fixed = declared.clone();
    fixed[0] = declared[0] > 0 ? declared[0] : 1;
    if ((declared[2] <= 0 || declared[3] <= 0) && inputSize > 0) {
      fixed[2] = declared[2] > 0 ? declared[2] : inputSize;
      fixed[3] = declared[3] > 0 ? declared[3] : inputSize;
    } else if (declared[2] <= 0 || declared[3] <= 0) {
      if (!model.metadata().containsKey(ModelMetadata.INPUT_SIZE)) {
        throw new ModelFormatException(what + " and its metadata has no '" + ModelMetadata.INPUT_SIZE
            + "' to fix height and width from; export it with a fixed size or add the metadata");
      }
      long[] size = inputSize(model.metadata().get(ModelMetadata.INPUT_SIZE), what);
      fixed[2] = declared[2] > 0 ? declared[2] : size[0];
      fixed[3] = declared[3] > 0 ? declared[3] : size[size.length - 1];
    }
    return fixed;
  }

  /** {@code [height, width]}, {@code [size]} or {@code size}, as {@link ModelMetadata} reads it. */
  private static long[] inputSize(String json, String what) {
    try {
      JsonNode n = JSON.readTree(json);
      long[] size = n.isArray() ? new long[n.size()] : new long[] {n.asLong(0)};
      for (int i = 0; n.isArray() && i < size.length; i++) {
        size[i] = n.get(i).canConvertToLong() ? n.get(i).asLong() : 0;
      }
      if (size.length == 0 || size.length > 2 || Arrays.stream(size).anyMatch(d -> d <= 0)) {
        throw new ModelFormatException(what + " and its '" + ModelMetadata.INPUT_SIZE + "' metadata " + json
            + " is not [height, width] or one positive size");
      }
      return size;
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(what + " and its '" + ModelMetadata.INPUT_SIZE + "' metadata is not JSON: " + json,
          e);
    }
  }

  /** Whether a network input with these dims needs an optimization profile. */
  static boolean needsProfile(long[] networkDims) {
    return Arrays.stream(networkDims).anyMatch(d -> d < 0);
  }

  /**
   * Checks that the fixed {@code shape} fits the network's declared input dims (same rank, equal
   * where fixed); throws naming the input if not.
   */
  static void checkFits(String input, long[] networkDims, long[] shape, Object where) {
    boolean fits = networkDims.length == shape.length;
    for (int i = 0; fits && i < shape.length; i++) {
      fits = networkDims[i] < 0 || networkDims[i] == shape[i];
    }
    if (!fits) {
      throw new ModelFormatException(where + ": input '" + input + "' is " + Arrays.toString(networkDims)
          + " in the network but the engine is built for " + Arrays.toString(shape));
    }
  }
}
