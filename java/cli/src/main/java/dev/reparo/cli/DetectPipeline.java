package dev.reparo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.detect.Detection;
import dev.reparo.detect.draw.DetectionPainter;
import dev.reparo.video.VideoOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code detect}'s loop: pictures from a {@link FrameSource} (image files decoded ahead on their own
 * threads, see {@link ImageFiles}), detection on the calling thread, annotated copies encoded and
 * written behind it ({@link AnnotatedImages}) or frames appended to one video. The per-picture
 * lines, the progress bar and the COCO results come in source order on the calling thread;
 * unreadable images are reported, skipped and counted. Every queue is bounded, so memory holds a
 * fixed number of decoded pictures whatever the source's length. On any failure the queued work is
 * cancelled and no output file is left half-written. One run per instance, from one thread.
 */
final class DetectPipeline {
  /** Runs the detector on one picture. */
  @FunctionalInterface
  interface FrameDetector {
    List<Detection> detect(Frame f);
  }

  /**
   * What to do besides detecting.
   *
   * @param frames stop after this many pictures, unreadable ones included (0: all)
   * @param out annotated copies (images) or the annotated video go here; null for none
   * @param format the encoding of annotated images
   * @param writers threads that encode annotated images (0: on the calling thread)
   * @param ids dataset ids for the results, null for the picture's index
   * @param perLine a line per picture on {@code o} instead of a progress bar
   */
  record Settings(long frames, Path out, AnnotatedImages.Format format, int writers, DetectCommand.CocoIds ids,
      boolean perLine) {}

  /**
   * What a run did.
   *
   * @param count pictures detected in
   * @param skipped unreadable images skipped
   * @param found detections in all pictures
   * @param detectSeconds time in the detector alone
   * @param loopSeconds from the first picture asked for to the last output written
   * @param results COCO results, in source order
   * @param annotatedVideo the annotated video written, or null
   */
  record Outcome(long count, long skipped, int found, double detectSeconds, double loopSeconds, ArrayNode results,
      Path annotatedVideo) {}

  private final Settings settings;
  private final PrintWriter o;
  private final PrintWriter err;
  private final AnnotatedImages.Encoder encoder;

  DetectPipeline(Settings settings, PrintWriter o, PrintWriter err) {
    this(settings, o, err, AnnotatedImages::encode);
  }

  /** With {@code encoder} drawing and encoding the annotated images (tests). */
  DetectPipeline(Settings settings, PrintWriter o, PrintWriter err, AnnotatedImages.Encoder encoder) {
    this.settings = settings;
    this.o = o;
    this.err = err;
    this.encoder = encoder;
  }

  /**
   * Detects in every picture of {@code src} until it ends, {@code settings.frames()} pictures were
   * taken or {@code stop} is set. Fails before writing any file when not one image could be read.
   */
  Outcome run(FrameSource src, FrameDetector detector, AtomicBoolean stop) throws IOException, InterruptedException {
    boolean video = src.annotatedVideoName() != null;
    long limit = settings.frames();
    long expected = limit > 0 && (src.expected() < 0 || src.expected() > limit) ? limit : src.expected();
    ArrayNode results = new ObjectMapper().createArrayNode();
    long count = 0;
    long skipped = 0;
    int found = 0;
    long detectNanos = 0;
    Path out = settings.out();
    Path annotatedVideo = out != null && video ? out.resolve(src.annotatedVideoName()) : null;
    VideoOutput writer = null;
    ProgressBar bar = new ProgressBar(err, "detect", settings.perLine() ? 0 : (int) Math.min(expected, Integer.MAX_VALUE));
    long loopStart = System.nanoTime();
    try (AnnotatedImages annotated = out != null && !video
        ? new AnnotatedImages(out, settings.format(), settings.writers(), encoder) : null) {
      Frame f;
      while (!stop.get() && (limit == 0 || count + skipped < limit) && (f = src.next()) != null) {
        if (f.problem() != null) {
          skipped++;
          err.println();
          err.println("reparo: skipping " + f.problem());
          err.flush();
          bar.step();
          continue;
        }
        count++;
        long s = System.nanoTime();
        List<Detection> dets = detector.detect(f);
        detectNanos += System.nanoTime() - s;
        found += dets.size();
        if (settings.perLine()) {
          o.printf("%s: %dx%d, %s%n", f.name(), f.width(), f.height(), DetectCommand.summary(dets));
          o.flush();
        }
        if (annotatedVideo != null) {
          if (writer == null) {
            writer = new VideoOutput(annotatedVideo, f.width(), f.height(), src.frameRate());
          }
          writeFrame(writer, f, dets);
        } else if (annotated != null) {
          annotated.write(f.file(), f.image(), dets);
        }
        addResults(results, video ? f.index() : settings.ids() != null ? settings.ids().imageId(f.file()) : f.index() + 1,
            dets);
        bar.step();
      }
      bar.finish();
      if (annotated != null) {
        annotated.finish();
      }
      if (count == 0 && skipped > 0) {  // nothing was written: no image reached the writers
        throw new CliException(skipped == 1 ? "the only image could not be read (above); nothing was detected"
            : "none of the " + skipped + " images could be read (above); nothing was detected");
      }
      if (writer != null) {
        writer.finish();
      }
      double loopSeconds = (System.nanoTime() - loopStart) / 1e9;
      return new Outcome(count, skipped, found, detectNanos / 1e9, loopSeconds, results,
          writer != null ? annotatedVideo : null);
    } finally {
      if (writer != null) {
        writer.close();
      }
    }
  }

  private void addResults(ArrayNode results, long imageId, List<Detection> dets) {
    DetectCommand.CocoIds ids = settings.ids();
    for (Detection det : dets) {
      ObjectNode r = results.addObject();
      r.put("image_id", imageId);
      r.put("category_id", ids != null ? ids.categoryId(det.label()) : det.classId());
      ArrayNode box = r.putArray("bbox");
      box.add(round(det.x1())).add(round(det.y1())).add(round(det.width())).add(round(det.height()));
      r.put("score", Math.round(det.score() * 1e5) / 1e5);
      r.put("label", det.label());
    }
  }

  private static double round(float v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Appends a video frame with its boxes drawn; a frame without detections goes in unchanged, without a copy. */
  private static void writeFrame(VideoOutput writer, Frame f, List<Detection> dets) {
    if (dets.isEmpty()) {
      writer.write(f.bgr(), f.width(), f.height(), f.stride());
      return;
    }
    writer.write(DetectionPainter.paint(f.toImage(), dets));
  }
}
