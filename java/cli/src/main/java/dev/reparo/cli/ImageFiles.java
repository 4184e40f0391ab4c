package dev.reparo.cli;

import dev.reparo.ReparoException;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Images as a {@link FrameSource}: files, or http(s) URLs fetched one at a time; unreadable ones
 * (and failed downloads) come as problems. Not thread-safe.
 */
final class ImageFiles implements FrameSource {
  private final List<SourceResolver.ImageRef> images;
  private int next;

  ImageFiles(List<Path> files) {
    this(files.stream().map(SourceResolver.ImageRef::of).toArray(SourceResolver.ImageRef[]::new));
  }

  private ImageFiles(SourceResolver.ImageRef[] images) {
    this.images = List.of(images);
  }

  static ImageFiles of(List<SourceResolver.ImageRef> images) {
    return new ImageFiles(images.toArray(SourceResolver.ImageRef[]::new));
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
    if (next >= images.size()) {
      return null;
    }
    int i = next++;
    SourceResolver.ImageRef ref = images.get(i);
    Path file = ref.file();
    try {
      BufferedImage image = ref.url() == null ? ImageLoader.read(file)
          : ImageLoader.read(SourceResolver.fetch(ref.url()), ref.name());
      return new Frame(i, ref.name(), file, image.getWidth(), image.getHeight(), image, null, 0, null);
    } catch (ReparoException e) {
      return new Frame(i, ref.name(), file, 0, 0, null, null, 0, e.getMessage());
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

  @Override
  public void close() {}
}
