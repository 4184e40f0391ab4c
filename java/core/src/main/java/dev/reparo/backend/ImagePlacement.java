package dev.reparo.backend;

/**
 * Where an image lands in a model input: resized to {@code resizedWidth × resizedHeight}, its top
 * left corner at ({@code padLeft}, {@code padTop}) of an {@code inputWidth × inputHeight} canvas.
 * Implementations are immutable and thread-safe ({@link dev.reparo.detect.Letterbox} is one).
 */
public interface ImagePlacement {
  int imageWidth();

  int imageHeight();

  int inputWidth();

  int inputHeight();

  int resizedWidth();

  int resizedHeight();

  int padLeft();

  int padTop();
}
