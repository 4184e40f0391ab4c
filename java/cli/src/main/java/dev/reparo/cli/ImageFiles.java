package dev.reparo.cli;

import dev.reparo.ReparoException;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Image files as a {@link FrameSource}, in list order; unreadable ones come as problems. Decoded
 * one at a time on the caller's thread, or ahead of it on a pool ({@link #decodingAhead}): at most
 * {@link #ahead()} decoded images wait at any time. Not thread-safe: iterate from one thread.
 */
final class ImageFiles implements FrameSource {
  /** Decodes one image file; throws {@link ReparoException} for a file that is not a readable image. */
  @FunctionalInterface
  interface Decoder {
    BufferedImage decode(Path file) throws IOException;
  }

  private final List<Path> files;
  private final Decoder decoder;
  private final OrderedTasks<Frame> ahead;
  private int submitted;
  private int next;

  ImageFiles(List<Path> files) {
    this(files, ImageLoader::read, 0);
  }

  /** {@code threads} decoders working ahead of the caller; 0 decodes in {@link #next()}. */
  ImageFiles(List<Path> files, Decoder decoder, int threads) {
    this.files = List.copyOf(files);
    this.decoder = decoder;
    // Two per decoder keep each busy while the caller takes one; more only holds memory.
    this.ahead = threads > 0 ? new OrderedTasks<>("decode", threads, 2 * threads) : null;
  }

  /** The same files decoded by {@code threads} threads ahead of the caller (0: in {@link #next()}). */
  ImageFiles decodingAhead(int threads) {
    return new ImageFiles(files, decoder, threads);
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
    return files.size();
  }

  @Override
  public Frame next() throws IOException {
    if (ahead == null) {
      return next < files.size() ? decode(next++) : null;
    }
    while (!ahead.full() && submitted < files.size()) {
      int i = submitted++;
      ahead.submit(() -> decode(i));
    }
    if (ahead.isEmpty()) {
      return null;
    }
    try {
      return ahead.takeOldest();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while decoding " + files.get(next), e);
    } finally {
      next++;
    }
  }

  private Frame decode(int i) throws IOException {
    Path file = files.get(i);
    try {
      return Frame.ofImage(i, file, decoder.decode(file));
    } catch (ReparoException e) {
      return Frame.unreadable(i, file, e.getMessage());
    }
  }

  @Override
  public double frameRate() {
    return 0;
  }

  @Override
  public String annotatedVideoName() {
    return null;
  }

  /** Stops the decoders; images decoded ahead and not taken are dropped. */
  @Override
  public void close() {
    if (ahead != null) {
      ahead.close();
    }
  }
}
