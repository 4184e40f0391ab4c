package dev.reparo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.ReparoException;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.image.ImageLoader;
import dev.reparo.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo detect}: run a detector over images, draw and save the results. */
@Command(name = "detect", sortOptions = false, description = {
    "Detect objects in an image or every image in a directory. Prints one line per image,",
    "draws labelled boxes into copies of the images (--out), and writes COCO results JSON (--json).",
    "",
    "Examples:",
    "  reparo detect --demo                          bundled demo model and sample images",
    "  reparo detect -m yolo.onnx -s photos/ -o out/ --conf 0.4 --json dets.json"})
final class DetectCommand implements Callable<Integer> {
  static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff");

  @Spec
  CommandSpec spec;

  @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = ".onnx (converted on first use) or a converted model")
  Path model;

  @Option(names = {"-s", "--source"}, paramLabel = "PATH", description = "an image file or a directory of images")
  Path source;

  @Option(names = "--demo", description = "use the bundled demo model on generated sample images; writes ./reparo-demo/ (or --out)")
  boolean demo;

  @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "write annotated copies of the images here")
  Path out;

  @Option(names = "--json", paramLabel = "FILE", description = "write detections as COCO results JSON")
  Path json;

  @Option(names = "--gt", paramLabel = "COCO.json", description = "take image ids and category ids for --json from this dataset")
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

  @Option(names = "--threads", defaultValue = "0", description = "inference threads (0: backend default)")
  int threads;

  @Option(names = "--meta", paramLabel = "KEY=JSON", description = "supply model metadata, e.g. --meta 'names=[\"cat\",\"dog\"]'")
  Map<String, String> meta = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Path> images;
    Path modelPath = model;
    if (demo) {
      Demo.Bundle bundle = Demo.prepare(out != null ? out : Path.of("reparo-demo"));
      modelPath = model != null ? model : bundle.model();
      images = source != null ? listImages(source) : bundle.images();
      if (out == null) {
        out = bundle.dir();
      }
    } else {
      if (model == null || source == null) {
        throw new CliException("detect needs --model and --source (or --demo); see 'reparo help detect'");
      }
      images = listImages(source);
    }
    DetectorOptions.Builder b = DetectorOptions.builder()
        .backend(InferCommand.backendKind(backend))
        .threads(threads).confThreshold(conf).iouThreshold(iou).maxDetections(maxDet)
        .agnosticNms(agnostic).classes(classes);
    meta.forEach(b::metadata);
    CocoIds ids = gt == null ? null : CocoIds.read(gt);
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode results = mapper.createArrayNode();
    long t0 = System.nanoTime();
    int found = 0;
    double detectSeconds = 0;
    try (Detector d = Detector.open(modelPath, b.build())) {
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      o.printf("model %s on %s (opened in %.2f s), %d image(s)%n", modelPath, d.backendDescription(), openSeconds,
          images.size());
      ProgressBar bar = new ProgressBar(err, "detect", images.size());
      for (int i = 0; i < images.size(); i++) {
        Path img = images.get(i);
        BufferedImage pixels;
        try {
          pixels = ImageLoader.read(img);
        } catch (ReparoException e) {
          err.println();
          err.println("reparo: skipping " + e.getMessage());
          bar.step();
          continue;
        }
        long s = System.nanoTime();
        List<Detection> dets = d.detect(pixels);
        detectSeconds += (System.nanoTime() - s) / 1e9;
        found += dets.size();
        if (images.size() <= 20) {
          o.printf("%s: %dx%d, %s%n", img, pixels.getWidth(), pixels.getHeight(), summary(dets));
        }
        if (out != null) {
          writeAnnotated(pixels, dets, out.resolve(annotatedName(img)));
        }
        int imageId = ids != null ? ids.imageId(img) : i + 1;
        for (Detection det : dets) {
          ObjectNode r = results.addObject();
          r.put("image_id", imageId);
          r.put("category_id", ids != null ? ids.categoryId(det.label()) : det.classId());
          ArrayNode box = r.putArray("bbox");
          box.add(round(det.x1())).add(round(det.y1())).add(round(det.width())).add(round(det.height()));
          r.put("score", Math.round(det.score() * 1e5) / 1e5);
          r.put("label", det.label());
        }
        bar.step();
      }
    }
    if (json != null) {
      AtomicFiles.write(json, mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(results));
    }
    o.printf("%d detections in %d images; %.1f images/s (detect only, %.1f ms/image)%s%s%n", found, images.size(),
        images.size() / Math.max(detectSeconds, 1e-9), 1000 * detectSeconds / Math.max(images.size(), 1),
        out != null ? "; annotated images in " + out : "", json != null ? "; results in " + json : "");
    o.flush();
    return 0;
  }

  private static double round(float v) {
    return Math.round(v * 100) / 100.0;
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

  private static String annotatedName(Path img) {
    String name = img.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return (dot > 0 ? name.substring(0, dot) : name) + ".png";
  }

  static void writeAnnotated(BufferedImage img, List<Detection> dets, Path target) throws IOException {
    BufferedImage copy = BoxPainter.paint(img, dets);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageIO.write(copy, "png", bytes);
    AtomicFiles.write(target, bytes.toByteArray());
  }

  /** Image and category ids of a COCO dataset, matched by file name and category name. */
  record CocoIds(Map<String, Integer> images, Map<String, Integer> categories, Path source) {
    static CocoIds read(Path gt) throws IOException {
      JsonNode root = new ObjectMapper().readTree(gt.toFile());
      Map<String, Integer> images = new HashMap<>();
      root.path("images").forEach(i -> images.put(Path.of(i.path("file_name").asText()).getFileName().toString(),
          i.path("id").asInt()));
      Map<String, Integer> cats = new HashMap<>();
      root.path("categories").forEach(c -> cats.put(c.path("name").asText(), c.path("id").asInt()));
      if (images.isEmpty() || cats.isEmpty()) {
        throw new CliException(gt + ": not a COCO dataset (needs 'images' and 'categories')");
      }
      return new CocoIds(images, cats, gt);
    }

    int imageId(Path img) {
      Integer id = images.get(img.getFileName().toString());
      if (id == null) {
        throw new CliException(img.getFileName() + " is not an image of " + source);
      }
      return id;
    }

    int categoryId(String label) {
      Integer id = categories.get(label);
      if (id == null) {
        throw new CliException("class '" + label + "' is not a category of " + source);
      }
      return id;
    }
  }
}
