package dev.reparo.cli;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * One picture for {@code detect}: an image file's pixels, or a video frame's packed BGR pixels
 * (valid only until the source reads the next frame). {@code problem} is set, and the pixels
 * null, for an image that could not be read. Immutable, but a frame's buffer is the source's.
 *
 * @param index 0, 1, 2, ... in the order the source gives them
 * @param name what the per-picture line calls it: a path, or "frame N"
 * @param file the image file, null for video frames
 */
record Frame(long index, String name, Path file, int width, int height, BufferedImage image, ByteBuffer bgr,
    int stride, String problem) {

  static Frame ofImage(long index, Path file, BufferedImage image) {
    return new Frame(index, file.toString(), file, image.getWidth(), image.getHeight(), image, null, 0, null);
  }

  static Frame unreadable(long index, Path file, String problem) {
    return new Frame(index, file.toString(), file, 0, 0, null, null, 0, problem);
  }

  static Frame ofVideo(long index, ByteBuffer bgr, int width, int height, int stride) {
    return new Frame(index, "frame " + index, null, width, height, null, bgr, stride, null);
  }

  /** Runs the detector: on the image, or in place on the frame's buffer (no copy). */
  List<Detection> detect(Detector detector) {
    return image != null ? detector.detect(image) : detector.detect(bgr.duplicate(), width, height, stride);
  }

  /** The pixels as an image: the image itself, or a copy of the frame. */
  BufferedImage toImage() {
    return image != null ? image : ImageLoader.fromBgr(bgr, width, height, stride);
  }
}
