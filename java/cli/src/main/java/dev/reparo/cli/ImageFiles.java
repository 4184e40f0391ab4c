package dev.reparo.cli;

import dev.reparo.ReparoException;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Image files as a {@link FrameSource}, read one at a time; unreadable ones come as problems. Not thread-safe. */
final class ImageFiles implements FrameSource {
  private final List<Path> files;
  private int next;

  ImageFiles(List<Path> files) {
    this.files = List.copyOf(files);
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
    if (next >= files.size()) {
      return null;
    }
    int i = next++;
    Path file = files.get(i);
    try {
      BufferedImage image = ImageLoader.read(file);
      return Frame.ofImage(i, file, image);
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

  @Override
  public void close() {}
}
