package dev.reparo.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where {@code detect} takes its pictures from: an image, a directory of images, a video file
 * or a camera. Implementations are not thread-safe: iterate from one thread.
 */
interface FrameSource extends AutoCloseable {
  /** "image" or "frame": what the output lines count. */
  String unit();

  /** How many pictures to expect; -1 when unknown (a camera, a video that does not say). */
  long expected();

  /**
   * The next picture, or null after the last. A video frame's pixels are valid until the next call.
   *
   * @throws IOException if an image file cannot be read at all (a damaged one comes as a problem frame)
   */
  Frame next() throws IOException;

  /** Frames per second of a video or camera; 0 for images. */
  double frameRate();

  /** For videos and cameras: the file name for the annotated video in --out; null for images. */
  String annotatedVideoName();

  @Override
  void close();

  /**
   * Opens {@code source}: a video URL or stream (rtsp://, http(s)://.../x.mp4), a glob, a .txt
   * list of images or an http(s) image URL ({@link SourceResolver}), a directory (its images), an image file (by extension), a camera index
   * (digits, when no such file exists) or else a video file. Everything is checked in Java
   * before FFmpeg sees it, and errors name the source.
   */
  static FrameSource open(String source) throws IOException {
    if (SourceResolver.isVideoUrl(source)) {
      return VideoFrames.url(source);
    }
    java.util.List<SourceResolver.ImageRef> images = SourceResolver.resolve(source);
    if (images != null) {
      return ImageFiles.of(images);
    }
    Path path = Path.of(source);
    if (source.matches("\\d{1,4}") && !Files.exists(path)) {
      return VideoFrames.camera(Integer.parseInt(source));
    }
    if (Files.isDirectory(path)) {
      return new ImageFiles(DetectCommand.listImages(path));
    }
    if (!Files.exists(path)) {
      throw new CliException(source + ": no such file or directory (nor a camera index, which is a number)");
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (DetectCommand.IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith)) {
      return new ImageFiles(java.util.List.of(path));
    }
    return VideoFrames.file(path);
  }
}
