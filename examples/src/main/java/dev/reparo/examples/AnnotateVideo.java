package dev.reparo.examples;

import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.draw.DetectionPainter;
import dev.reparo.video.VideoInput;
import dev.reparo.video.VideoOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Detects objects in every frame of a video (or a stream URL) and writes a video with the boxes
 * drawn: reparo-video's {@code VideoInput} and {@code VideoOutput} with reparo-core's
 * {@code DetectionPainter}.
 *
 * <pre>java -cp ... dev.reparo.examples.AnnotateVideo demo.onnx street.mp4 boxes.mp4</pre>
 */
public final class AnnotateVideo {
  private AnnotateVideo() {}

  /** Writes the annotated video; returns how many objects were found in each frame. */
  public static List<Integer> annotate(Path model, VideoInput in, Path out) throws IOException {
    List<Integer> counts = new ArrayList<>();
    double fps = in.frameRate() > 0 ? in.frameRate() : 25;
    try (Detector detector = Detector.open(model, DetectorOptions.builder().confThreshold(0.4f).threads(1).build());
        VideoOutput video = new VideoOutput(out, in.frameWidth(), in.frameHeight(), fps)) {
      while (in.read()) {
        // Detection reads the decoder's buffer in place; the drawing needs a copy (image()).
        List<Detection> dets = detector.detect(in.bgr(), in.frameWidth(), in.frameHeight(), in.stride());
        video.write(DetectionPainter.paint(in.image(), dets));
        counts.add(dets.size());
      }
      video.finish();
    }
    return counts;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: AnnotateVideo MODEL VIDEO|URL OUT.mp4");
      System.exit(2);
    }
    try (VideoInput in = args[1].contains("://") ? VideoInput.url(args[1]) : VideoInput.open(Path.of(args[1]))) {
      System.out.println(annotate(Path.of(args[0]), in, Path.of(args[2])).size() + " frames annotated");
    }
  }
}
