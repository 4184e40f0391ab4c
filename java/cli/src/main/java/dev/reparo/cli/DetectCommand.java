package dev.reparo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.data.LabeledDataset;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo detect}: run a detector over images, a video or a camera, draw and save the results. */
@Command(name = "detect", sortOptions = false, description = {
    "Detect objects in an image, the images in a directory, a video file or a",
    "camera. Prints a line per image or frame (a progress bar when over 20),",
    "draws labelled boxes into copies of the images or into an .mp4 (--out),",
    "writes COCO results JSON (--json) and ends with images or frames per second.",
    "A camera runs until Ctrl-C or --frames N, then completes its outputs.",
    "",
    "Examples:",
    "  reparo detect --demo                    bundled demo model and sample images",
    "  reparo detect -m yolo.onnx -s photos/ -o out/ --conf 0.4 --json dets.json",
    "  reparo detect -m yolo.onnx -s street.mp4 -o out/     writes out/street.mp4",
    "  reparo detect -m yolo.onnx -s 0 -o out/     camera 0 (/dev/video0)"})
final class DetectCommand implements Callable<Integer> {
  /** How long Ctrl-C waits for a video's outputs to be completed. */
  static final int STOP_WAIT_SECONDS = 30;
  // No .webp: TwelveMonkeys' WebP reader, tried, failed our image fuzzing within a minute (null
  // pointers, and truncated files decoded at one caught exception per pixel for minutes).
  static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff");

  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = ".onnx (converted on first use) or a converted model")
  Path model;

  @Option(names = {"-s", "--source"}, paramLabel = "SOURCE",
      description = "an image, a directory of images, a glob ('imgs/*.jpg'), a .txt list of images, an http(s) image URL,"
          + " a video file (.mp4, .avi, .mkv, ...), a video URL (rtsp://, http(s)://.../x.mp4) or a camera index (0: /dev/video0)")
  String source;

  @Option(names = "--frames", defaultValue = "0", paramLabel = "N",
      description = "stop after N images or frames (0: all; a camera runs until Ctrl-C)")
  long frames;

  @Option(names = "--demo", description = "use the bundled demo model on generated sample images; writes ./reparo-demo/ (or --out)")
  boolean demo;

  @Option(names = {"-o", "--out"}, paramLabel = "DIR",
      description = "write annotated copies of the images here (a video or camera: one annotated .mp4)")
  Path out;

  @Option(names = "--output-format", defaultValue = "auto", paramLabel = "FORMAT",
      description = "annotated images as auto (JPEG for JPEG sources, PNG for the rest), jpg or png")
  String outputFormat;

  @Option(names = "--json", paramLabel = "FILE",
      description = "write detections as COCO results JSON (a video's image_id is the frame index, from 0)")
  Path json;

  @Option(names = "--gt", paramLabel = "DATA", description = "take image ids and category ids for --json from this dataset (COCO JSON or YOLO data.yaml)")
  Path gt;

  @Option(names = "--conf", defaultValue = "0.25", description = "confidence threshold (default ${DEFAULT-VALUE})")
  float conf;

  @Option(names = "--iou", defaultValue = "0.45", description = "NMS IoU threshold (default ${DEFAULT-VALUE})")
  float iou;

  @Option(names = "--max-det", defaultValue = "300", description = "at most this many detections per image")
  int maxDet;

  @Option(names = "--classes", split = ",", paramLabel = "ID", description = "keep only these class ids, e.g. 0,2")
  int[] classes;

  @Option(names = "--agnostic", description = "NMS across classes")
  boolean agnostic;

  @Option(names = "--backend", defaultValue = "ncnn", description = "ncnn (default), onnxruntime, tensorrt or auto")
  String backend;

  @Option(names = "--threads", defaultValue = "0", description = "inference threads (0: the fastest count, measured once per model and machine)")
  int threads;

  @Option(names = "--io-threads", paramLabel = "N",
      description = "threads decoding images ahead of detection, and as many encoding annotated copies behind it"
          + " (0: all in turn on one thread; default: one more than the cores inference leaves, 1 to 4)")
  Integer ioThreads;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata, e.g. --meta 'names=[\"cat\",\"dog\"]'")
  Map<String, String> meta = new LinkedHashMap<>();

  @picocli.CommandLine.Mixin
  HeadOption headOption = new HeadOption();

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (frames < 0) {
      throw new CliException("--frames must be 0 (no limit) or more, not " + frames);
    }
    Path modelPath = model;
    FrameSource frameSource;
    if (demo) {
      Demo.Bundle bundle = Demo.prepare(out != null ? out : Path.of("reparo-demo"));
      modelPath = model != null ? model : bundle.model();
      frameSource = source != null ? FrameSource.open(source) : new ImageFiles(bundle.images());
      if (out == null) {
        out = bundle.dir();
      }
    } else {
      if (model == null || source == null) {
        throw new CliException("detect needs --model and --source (or --demo); see 'reparo help detect'");
      }
      frameSource = FrameSource.open(source);
    }
    boolean video = frameSource.annotatedVideoName() != null;
    // A video or camera stops on Ctrl-C: the hook ends the loop and waits until the outputs are
    // complete and the file or camera is closed.
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.set(true);
      try {
        done.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "reparo-detect-stop");
    if (video) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try (FrameSource src = frameSource) {
      if (gt != null && video) {
        throw new CliException("--gt maps image file names to dataset ids; it does not apply to a video or camera");
      }
      return run(src, modelPath, stop, o, err);
    } finally {
      done.countDown();
      if (video) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // Shutting down (Ctrl-C): the hook is running and has just been released.
        }
      }
    }
  }

  private int run(FrameSource src, Path modelPath, AtomicBoolean stop, PrintWriter o, PrintWriter err)
      throws IOException, InterruptedException {
    DetectorOptions.Builder b = DetectorOptions.builder()
        .backend(InferCommand.backendKind(backend))
        .threads(threads).confThreshold(conf).iouThreshold(iou).maxDetections(maxDet)
        .agnosticNms(agnostic).classes(classes);
    meta.forEach(b::metadata);
    headOption.applyTo(b);
    AnnotatedImages.Format format = AnnotatedImages.Format.parse(outputFormat);
    if (ioThreads != null && ioThreads < 0) {
      throw new CliException("--io-threads must be 0 (decode, detect and encode in turn) or more, not " + ioThreads);
    }
    CocoIds ids = gt == null ? null : CocoIds.read(gt);
    boolean video = src.annotatedVideoName() != null;
    long expected = frames > 0 && (src.expected() < 0 || src.expected() > frames) ? frames : src.expected();
    String unit = src.unit();
    long t0 = System.nanoTime();
    try (Detector d = Detector.open(modelPath, b.build())) {
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      int io = ioThreads != null ? ioThreads : autoIoThreads(d.threads());
      o.printf("model %s on %s%s (opened in %.2f s), %s%n", modelPath, d.backendDescription(),
          d.threads() > 0 ? ", " + d.threads() + (d.threads() == 1 ? " thread" : " threads") : "", openSeconds,
          expected >= 0 ? expected + " " + unit + "(s)"
              : src + (src instanceof VideoFrames v && v.camera() ? ", until Ctrl-C" : ", length unknown"));
      HeadOption.report(d, o, err);
      boolean perLine = expected < 0 || expected <= 20;
      DetectPipeline.Settings settings = new DetectPipeline.Settings(frames, out, format, io, ids, perLine);
      DetectPipeline.Outcome r;
      // Decoders also letterbox each image, so that the inference thread only runs the model.
      ImageFiles ahead = src instanceof ImageFiles files && io > 0 ? files.decodingAhead(io, f -> f.preparedFor(d)) : null;
      try {
        r = new DetectPipeline(settings, o, err).run(ahead != null ? ahead : src, f -> f.detect(d), stop);
      } finally {
        if (ahead != null) {
          ahead.close();
        }
      }
      if (json != null) {
        AtomicFiles.write(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(r.results()));
      }
      long count = r.count();
      if (count == 0 && video && !stop.get()) {
        throw new CliException(src + ": no frames could be decoded");
      }
      String written = r.annotatedVideo() != null ? "; annotated video in " + r.annotatedVideo()
          : out != null && !video ? "; annotated images in " + out : "";
      String skips = r.skipped() > 0 ? " (" + r.skipped() + " unreadable skipped)" : "";
      // No rate without a timed picture: 0 pictures in 0 s is no speed.
      String rate = count == 0 ? "" : String.format("; %.1f %ss/s (detect only, %.1f ms/%s), %.1f %ss/s end to end",
          count / Math.max(r.detectSeconds(), 1e-9), unit, 1000 * r.detectSeconds() / count, unit,
          count / Math.max(r.loopSeconds(), 1e-9), unit);
      o.printf("%d detections in %d %ss%s%s%s%s%n", r.found(), count, unit, skips, rate, written,
          json != null ? "; results in " + json : "");
      o.flush();
      return 0;
    }
  }

  /**
   * Decoders (and as many encoders) beside inference: one more than the cores it leaves, 1 to 4. The
   * extra one keeps the queue full while a decoder waits for the disk or is descheduled: on 2 cores
   * with 1 inference thread (demo model, 300 JPEGs, idle machine) 2 decoders ran end to end at
   * 0.83-0.86x of detection alone, 1 decoder at 0.76-0.79x (with -o: 106-107 against 100-102
   * images/s). benchmarks/README.md, "End to end".
   */
  static int autoIoThreads(int inferenceThreads) {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - Math.max(1, inferenceThreads) + 1));
  }

  static String summary(List<Detection> dets) {
    if (dets.isEmpty()) {
      return "no detections";
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    dets.forEach(d -> counts.merge(d.label(), 1, Integer::sum));
    StringBuilder sb = new StringBuilder();
    counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(v).append(' ').append(k));
    return sb.toString();
  }

  static List<Path> listImages(Path source) throws IOException {
    if (Files.isRegularFile(source)) {
      return List.of(source);
    }
    if (!Files.isDirectory(source)) {
      throw new CliException(source + ": no such file or directory");
    }
    try (Stream<Path> s = Files.list(source)) {
      List<Path> found = s.filter(Files::isRegularFile)
          .filter(p -> IMAGE_EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
          .sorted().toList();
      if (found.isEmpty()) {
        throw new CliException(source + ": no images (" + String.join(" ", IMAGE_EXTENSIONS) + ")");
      }
      return found;
    }
  }

  /** Image and category ids of a dataset (COCO JSON or YOLO data.yaml), matched by file name and category name. */
  record CocoIds(LabeledDataset data) {
    static CocoIds read(Path gt) throws IOException {
      LabeledDataset data = LabeledDataset.open(gt);
      if (data.images().isEmpty() || data.categories().isEmpty()) {
        throw new CliException(gt + ": a dataset without images or categories");
      }
      return new CocoIds(data);
    }

    long imageId(Path img) {
      return data.imageIdOf(img);
    }

    long categoryId(String label) {
      return data.categoryIdOf(label);
    }
  }
}
