package dev.reparo.cli;

import dev.reparo.ReparoException;
import dev.reparo.detect.PreparedImage;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Images as a {@link FrameSource}, in list order: files, or http(s) URLs fetched when their turn
 * comes; unreadable ones (and failed downloads) come as problems. Decoded one at a time on the
 * caller's thread, or ahead of it on a pool ({@link #decodingAhead}): at most {@link #ahead()}
 * decoded images wait at any time; decoders may also prepare each image for detection
 * ({@link #decodingAhead(int, UnaryOperator)}). Not thread-safe: iterate from one thread.
 */
final class ImageFiles implements FrameSource {
  /** Decodes one image file; throws {@link ReparoException} for a file that is not a readable image. */
  @FunctionalInterface
  interface Decoder {
    BufferedImage decode(Path file) throws IOException;
  }

  private final List<SourceResolver.ImageRef> images;
  private final Decoder decoder;
  private final UnaryOperator<Frame> prepare;
  private final OrderedTasks<Frame> ahead;
  /** Prepared inputs decoded ahead and not yet taken: {@link #close} releases them (native memory for ncnn). */
  private final Set<PreparedImage> untaken =
      Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private int submitted;
  private int next;

  ImageFiles(List<Path> files) {
    this(files, ImageLoader::read, 0);
  }

  /** {@code threads} decoders working ahead of the caller; 0 decodes in {@link #next()}. */
  ImageFiles(List<Path> files, Decoder decoder, int threads) {
    this(files.stream().map(SourceResolver.ImageRef::of).toArray(SourceResolver.ImageRef[]::new), decoder, threads,
        UnaryOperator.identity());
  }

  private ImageFiles(SourceResolver.ImageRef[] images, Decoder decoder, int threads, UnaryOperator<Frame> prepare) {
    this.images = List.of(images);
    this.decoder = decoder;
    this.prepare = prepare;
    // Two per decoder keep each busy while the caller takes one; more only holds memory.
    this.ahead = threads > 0 ? new OrderedTasks<>("decode", threads, 2 * threads) : null;
  }

  /** Files and URLs as {@link SourceResolver} resolved them. */
  static ImageFiles of(List<SourceResolver.ImageRef> images) {
    return new ImageFiles(images.toArray(SourceResolver.ImageRef[]::new), ImageLoader::read, 0,
        UnaryOperator.identity());
  }

  /** The same images decoded by {@code threads} threads ahead of the caller (0: in {@link #next()}). */
  ImageFiles decodingAhead(int threads) {
    return decodingAhead(threads, UnaryOperator.identity());
  }

  /**
   * As {@link #decodingAhead(int)}, each readable image also passed through {@code prepare} on the
   * thread that decoded it (e.g. {@link Frame#preparedFor}), which must be thread-safe.
   */
  ImageFiles decodingAhead(int threads, UnaryOperator<Frame> prepare) {
    return new ImageFiles(images.toArray(SourceResolver.ImageRef[]::new), decoder, threads, prepare);
  }

  /** The most decoded images waiting, 0 when decoding in {@link #next()}. */
  int ahead() {
    return ahead == null ? 0 : ahead.capacity();
  }

  @Override
  public String unit() {
    return "image";
  }

  @Override
  public long expected() {
    return images.size();
  }

  @Override
  public Frame next() throws IOException {
    if (ahead == null) {
      return next < images.size() ? decode(next++) : null;
    }
    while (!ahead.full() && submitted < images.size()) {
      int i = submitted++;
      ahead.submit(() -> held(decode(i)));
    }
    if (ahead.isEmpty()) {
      return null;
    }
    try {
      Frame f = ahead.takeOldest();
      if (f.prepared() != null) {
        untaken.remove(f.prepared());  // the caller's to close now
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while decoding " + images.get(next).name(), e);
    } finally {
      next++;
    }
  }

  private Frame held(Frame f) {
    if (f.prepared() != null) {
      untaken.add(f.prepared());
    }
    return f;
  }

  private Frame decode(int i) throws IOException {
    SourceResolver.ImageRef ref = images.get(i);
    Path file = ref.file();
    Frame frame;
    try {
      BufferedImage image = ref.url() == null ? decoder.decode(file)
          : ImageLoader.read(SourceResolver.fetch(ref.url()), ref.name());
      frame = Frame.ofImage(i, ref.name(), file, image);
    } catch (ReparoException e) {
      return Frame.unreadable(i, ref.name(), file, e.getMessage());
    }
    return prepare.apply(frame);  // outside the catch: an image the detector rejects is no unreadable file
  }

  @Override
  public double frameRate() {
    return 0;
  }

  @Override
  public String annotatedVideoName() {
    return null;
  }

  /**
   * Stops the decoders; images decoded ahead and not taken are dropped, their prepared inputs
   * released (a run cut short by a frame limit, a stop or an error holds no native memory after).
   */
  @Override
  public void close() {
    if (ahead != null) {
      ahead.close();
      synchronized (untaken) {
        untaken.forEach(PreparedImage::close);
        untaken.clear();
      }
    }
  }
}
