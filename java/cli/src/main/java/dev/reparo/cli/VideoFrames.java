package dev.reparo.cli;

import dev.reparo.video.VideoInput;
import java.nio.file.Path;

/** A video file's or a camera's frames as a {@link FrameSource}, decoded by FFmpeg. Not thread-safe. */
final class VideoFrames implements FrameSource {
  /** Frames per second assumed for the annotated video when the source declares none. */
  static final double DEFAULT_FPS = 30;
  private final VideoInput input;
  private final String videoName;
  private final boolean camera;

  private VideoFrames(VideoInput input, String videoName, boolean camera) {
    this.input = input;
    this.videoName = videoName;
    this.camera = camera;
  }

  static VideoFrames file(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return new VideoFrames(VideoInput.open(file), (dot > 0 ? name.substring(0, dot) : name) + ".mp4", false);
  }

  /** A network video or stream; the annotated video is named after the URL's last path segment. */
  static VideoFrames url(String url) {
    String path = java.net.URI.create(url).getPath();
    String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    name = dot > 0 ? name.substring(0, dot) : name;
    return new VideoFrames(VideoInput.url(url), (name.isEmpty() ? "stream" : name) + ".mp4", false);
  }

  static VideoFrames camera(int index) {
    return new VideoFrames(VideoInput.camera(index), "camera" + index + ".mp4", true);
  }

  /** A camera: frames until stopped. */
  boolean camera() {
    return camera;
  }

  @Override
  public String unit() {
    return "frame";
  }

  @Override
  public long expected() {
    return input.frameCountHint();
  }

  @Override
  public Frame next() {
    if (!input.read()) {
      return null;
    }
    return Frame.ofVideo(input.frameIndex(), input.bgr(), input.frameWidth(), input.frameHeight(), input.stride());
  }

  @Override
  public double frameRate() {
    return input.frameRate() > 0 ? input.frameRate() : DEFAULT_FPS;
  }

  @Override
  public String annotatedVideoName() {
    return videoName;
  }

  /** Closes the file or releases the camera. */
  @Override
  public void close() {
    input.close();
  }

  @Override
  public String toString() {
    return input.name();
  }
}
