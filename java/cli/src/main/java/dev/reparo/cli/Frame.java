package dev.reparo.cli;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.PreparedImage;
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
 * @param prepared the image already made ready for the detector ({@link #preparedFor}), or null
 */
record Frame(long index, String name, Path file, int width, int height, BufferedImage image, ByteBuffer bgr,
    int stride, String problem, PreparedImage prepared) {

  static Frame ofImage(long index, String name, Path file, BufferedImage image) {
    return new Frame(index, name, file, image.getWidth(), image.getHeight(), image, null, 0, null, null);
  }

  static Frame unreadable(long index, String name, Path file, String problem) {
    return new Frame(index, name, file, 0, 0, null, null, 0, problem, null);
  }

  static Frame ofVideo(long index, ByteBuffer bgr, int width, int height, int stride) {
    return new Frame(index, "frame " + index, null, width, height, null, bgr, stride, null, null);
  }

  /**
   * This image frame with its pixels made ready for {@code detector} ({@link Detector#prepare}), so
   * that {@link #detect} only runs inference and post-processing; other frames as they are.
   */
  Frame preparedFor(Detector detector) {
    return image == null || prepared != null ? this
        : new Frame(index, name, file, width, height, image, bgr, stride, problem, detector.prepare(image));
  }

  /**
   * Runs the detector: on the prepared image (then released: detect a prepared frame once), the
   * image, or in place on the frame's buffer (no copy).
   */
  List<Detection> detect(Detector detector) {
    if (prepared != null) {
      try (PreparedImage p = prepared) {  // detected once: its input is released at once, not by a cleaner
        return detector.detect(p);
      }
    }
    return image != null ? detector.detect(image) : detector.detect(bgr.duplicate(), width, height, stride);
  }

  /** The pixels as an image: the image itself, or a copy of the frame. */
  BufferedImage toImage() {
    return image != null ? image : ImageLoader.fromBgr(bgr, width, height, stride);
  }
}
