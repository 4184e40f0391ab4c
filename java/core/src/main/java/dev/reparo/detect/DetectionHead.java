package dev.reparo.detect;

import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a model's output tensors into scored candidate boxes in model-input pixels: the part of
 * detection that depends on how the network's head was built and exported. One subclass per
 * {@link HeadKind}; {@link HeadResolver} picks it. Immutable and thread-safe.
 */
public abstract sealed class DetectionHead
    permits AnchorHead, DecodedAnchorHead, AnchorFreeHead, AnchorFreeRawHead, EndToEndHead {
  private final int numClasses;

  DetectionHead(int numClasses) {
    this.numClasses = numClasses;
  }

  /** YOLOv5's head on raw per-scale outputs, with these strides and anchors. */
  public static DetectionHead anchorBased(YoloHead geometry) {
    return new AnchorHead(geometry);
  }

  /** Ultralytics' decoded anchor-free output {@code [1, 4+C, N]}. */
  public static DetectionHead anchorFree(int numClasses) {
    return new AnchorFreeHead(numClasses);
  }

  public abstract HeadKind kind();

  public int numClasses() {
    return numClasses;
  }

  /** Whether candidates still need NMS (false for NMS-free heads). */
  public boolean needsNms() {
    return true;
  }

  /**
   * Candidates whose score exceeds {@code conf}.
   *
   * @param allowed classes to keep, or null for all
   * @throws dev.reparo.InvalidInputException if the outputs do not have this head's layout
   */
  abstract Candidates decode(List<Tensor> outputs, float conf, boolean[] allowed);

  /**
   * How many candidates score above {@code conf}, every one decoded as {@link PostProcessor} does
   * before NMS: the head's share of post-processing, for timing it.
   *
   * @throws dev.reparo.InvalidInputException if the outputs do not have this head's layout
   */
  public int candidateCount(List<Tensor> outputs, float conf) {
    return decode(outputs, conf, null).size();
  }

  /** The shape of a single-output head's one tensor; empty (no shape check passes) unless there is exactly one. */
  static int[] onlyShape(List<Tensor> outputs) {
    return outputs.size() == 1 ? outputs.get(0).shape() : new int[0];
  }

  /** The outputs as an error message names them: the one shape, or how many tensors came. */
  static String describe(List<Tensor> outputs) {
    return outputs.size() == 1 ? Arrays.toString(outputs.get(0).shape()) : outputs.size() + " tensors";
  }

  @Override
  public String toString() {
    return kind().cliName() + " (" + kind().description() + ", " + numClasses + " classes)";
  }
}
