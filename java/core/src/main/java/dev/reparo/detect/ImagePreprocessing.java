package dev.reparo.detect;

import dev.reparo.Tensor;
import dev.reparo.backend.ImageInput;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.nio.ByteBuffer;

/**
 * The pre-processing half of a {@link DetectionTask}: where an image lands in the model input
 * ({@link Letterbox#fixed}) and how its pixels are normalised ({@link ModelMetadata}), as the
 * backend-neutral {@link ImageInput} that a backend's native letterbox applies. Immutable and
 * thread-safe.
 */
public final class ImagePreprocessing {
  /**
   * Something that applies an {@link ImageInput}: {@code LoadedModel::preprocess},
   * {@code NativeLetterbox::apply}. Must be thread-safe where {@link #apply} is called from many threads.
   */
  @FunctionalInterface
  public interface Converter {
    Tensor convert(ByteBuffer bgr, int width, int height, int stride, ImageInput input);
  }

  private final ModelMetadata metadata;

  /** @param metadata the model's metadata, its input size the size the model runs at */
  public ImagePreprocessing(ModelMetadata metadata) {
    this.metadata = metadata;
  }

  public int inputWidth() {
    return metadata.inputWidth();
  }

  public int inputHeight() {
    return metadata.inputHeight();
  }

  /** Where a {@code width × height} image lands in the model input. */
  public Letterbox letterbox(int width, int height) {
    return Letterbox.fixed(width, height, metadata.inputWidth(), metadata.inputHeight());
  }

  /** {@code box} with the model's fill, normalisation and channel order. */
  public ImageInput input(Letterbox box) {
    return new ImageInput(box, metadata.letterboxFill(), metadata.pixelMean(), metadata.pixelNorm(), metadata.rgb());
  }

  /** The model input {@code [1, 3, H, W]} for {@code image}, converted by {@code converter}. */
  public Tensor apply(BufferedImage image, Converter converter) {
    BufferedImage bgr = ImageLoader.toBgr(image);
    return converter.convert(pixels(bgr), bgr.getWidth(), bgr.getHeight(), stride(bgr),
        input(letterbox(bgr.getWidth(), bgr.getHeight())));
  }

  /** The pixels of a {@link ImageLoader#toBgr} image, from its first pixel, read in place. */
  static ByteBuffer pixels(BufferedImage bgr) {
    PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) bgr.getSampleModel();
    DataBufferByte db = (DataBufferByte) bgr.getRaster().getDataBuffer();
    int offset = db.getOffset() - bgr.getRaster().getSampleModelTranslateY() * sm.getScanlineStride()
        - bgr.getRaster().getSampleModelTranslateX() * 3;
    return ByteBuffer.wrap(db.getData()).position(offset).slice();
  }

  /** Bytes per row of a {@link ImageLoader#toBgr} image. */
  static int stride(BufferedImage bgr) {
    return ((PixelInterleavedSampleModel) bgr.getSampleModel()).getScanlineStride();
  }
}
