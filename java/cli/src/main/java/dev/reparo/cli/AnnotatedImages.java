package dev.reparo.cli;

import dev.reparo.detect.Detection;
import dev.reparo.detect.draw.DetectionPainter;
import dev.reparo.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Annotated copies of images, boxes drawn, written into a directory: on the caller's thread, or
 * behind it on a pool, at most {@link #behind()} images waiting. Each file appears whole or not at
 * all (written to a temporary file, then renamed). A failed write fails a later {@link #write} or
 * {@link #finish}; {@link #close} without {@link #finish} cancels the writes not yet done. Not
 * thread-safe: call from one thread.
 */
final class AnnotatedImages implements AutoCloseable {
  /** JPEG quality of annotated JPEGs: boxes and labels stay crisp, files stay small. */
  static final float JPEG_QUALITY = 0.9f;

  /** The encoding of annotated images: the source's ({@code AUTO}: JPEG for JPEG, else PNG), or one for all. */
  enum Format {
    AUTO, JPEG, PNG;

    /** Parses {@code --output-format}: auto, jpg, jpeg or png. */
    static Format parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "auto" -> AUTO;
        case "jpg", "jpeg" -> JPEG;
        case "png" -> PNG;
        default -> throw new CliException("--output-format must be auto, jpg or png, not '" + s + "'");
      };
    }

    /** What an annotated copy of {@code source} is encoded as. */
    Format of(Path source) {
      if (this != AUTO) {
        return this;
      }
      String name = source.getFileName().toString().toLowerCase(Locale.ROOT);
      return name.endsWith(".jpg") || name.endsWith(".jpeg") ? JPEG : PNG;
    }

    String extension() {
      return this == JPEG ? ".jpg" : ".png";
    }
  }

  /** Draws and encodes one annotated image; {@link #encode} in production, replaced in tests. */
  @FunctionalInterface
  interface Encoder {
    byte[] encode(BufferedImage image, List<Detection> dets, Format format) throws IOException;
  }

  private final Path dir;
  private final Format format;
  private final Encoder encoder;
  private final OrderedTasks<Path> behind;

  /** {@code threads} encoders behind the caller; 0 writes in {@link #write}. */
  AnnotatedImages(Path dir, Format format, int threads) {
    this(dir, format, threads, AnnotatedImages::encode);
  }

  AnnotatedImages(Path dir, Format format, int threads, Encoder encoder) {
    this.dir = dir;
    this.format = format;
    this.encoder = encoder;
    this.behind = threads > 0 ? new OrderedTasks<>("encode", threads, 2 * threads) : null;
  }

  /** The most images waiting to be written, 0 when writing in {@link #write}. */
  int behind() {
    return behind == null ? 0 : behind.capacity();
  }

  /** The file the annotated copy of {@code source} goes to. */
  Path target(Path source) {
    String name = source.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dir.resolve((dot > 0 ? name.substring(0, dot) : name) + format.of(source).extension());
  }

  /**
   * Writes {@code image} with {@code dets} drawn as the annotated copy of {@code source}, or queues
   * it, first waiting for the oldest queued write when the queue is full.
   *
   * @throws IOException if this or an earlier write failed
   */
  void write(Path source, BufferedImage image, List<Detection> dets) throws IOException, InterruptedException {
    Path target = target(source);
    Format f = format.of(source);
    if (behind == null) {
      AtomicFiles.write(target, encoder.encode(image, dets, f));
      return;
    }
    if (behind.full()) {
      behind.takeOldest();
    }
    behind.submit(() -> {
      AtomicFiles.write(target, encoder.encode(image, dets, f));
      return target;
    });
  }

  /** Waits until every queued image is written; throws the first failure. */
  void finish() throws IOException, InterruptedException {
    while (behind != null && !behind.isEmpty()) {
      behind.takeOldest();
    }
  }

  /** Cancels the writes not started and waits for the running ones (which complete or leave no file). */
  @Override
  public void close() {
    if (behind != null) {
      behind.close();
    }
  }

  /** Draws the boxes into a copy of {@code image} and encodes it as {@code format} (JPEG at {@link #JPEG_QUALITY}). */
  static byte[] encode(BufferedImage image, List<Detection> dets, Format format) throws IOException {
    // Nothing to draw: the decoded image itself (BGR, as the JPEG writer wants) is encoded, never changed.
    BufferedImage painted = dets.isEmpty() && image.getType() == BufferedImage.TYPE_3BYTE_BGR ? image
        : DetectionPainter.paint(image, dets);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(painted.getWidth() * painted.getHeight() / 4);
    if (format == Format.PNG) {
      ImageIO.write(painted, "png", bytes);
      return bytes.toByteArray();
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(JPEG_QUALITY);
      writer.setOutput(out);
      writer.write(null, new IIOImage(painted, null, null), p);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
