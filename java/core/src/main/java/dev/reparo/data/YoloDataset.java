package dev.reparo.data;

import dev.reparo.InvalidInputException;
import dev.reparo.image.ImageLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the Ultralytics/YOLO dataset layout into a {@link LabeledDataset}: a {@code data.yaml}
 * with {@code path} (the root; relative to the YAML's folder, default that folder), {@code names}
 * (a list, or a map from class index) and a split ({@code val}: a folder of images, a text file
 * listing images, or a list of those); each image's labels in the file that replaces its last
 * {@code images} folder by {@code labels} and its extension by {@code .txt} (no file: no boxes),
 * one box a line: {@code class cx cy w h}, normalized to the image size (a polygon's points,
 * {@code class x1 y1 x2 y2 ...}, count as their bounding box).
 *
 * <p>Image ids are 1, 2, ... in the split's order (folders sorted by path), category ids the class
 * indices, box ids 1, 2, ...; areas are the boxes'. Stateless.
 */
final class YoloDataset {
  static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff");

  private YoloDataset() {}

  static LabeledDataset read(Path yamlOrDir, String split) throws IOException {
    Path yaml = yamlOrDir;
    if (Files.isDirectory(yamlOrDir)) {
      yaml = yamlOrDir.resolve("data.yaml");
      if (!Files.isRegularFile(yaml)) {
        throw new InvalidInputException(yamlOrDir + ": a dataset folder needs a data.yaml");
      }
    }
    Map<?, ?> data = parse(yaml);
    Path base = yaml.toAbsolutePath().getParent();
    Path root = data.get("path") instanceof String p && !p.isBlank() ? base.resolve(p) : base;
    Map<Long, String> names = names(yaml, data.get("names"));
    if (data.get("nc") instanceof Integer nc && nc != names.size()) {
      throw new InvalidInputException(yaml + ": nc is " + nc + " but 'names' has " + names.size() + " classes");
    }
    Object entry = data.get(split);
    if (entry == null) {
      throw new InvalidInputException(yaml + ": no '" + split + "' split");
    }
    List<Path> files = new ArrayList<>();
    for (Object e : entry instanceof List<?> l ? l : List.of(entry)) {
      if (!(e instanceof String s)) {
        throw new InvalidInputException(yaml + ": '" + split + "' must be a path or a list of paths, not " + e);
      }
      files.addAll(imagesOf(yaml, root.resolve(s)));
    }
    List<LabeledDataset.Image> images = new ArrayList<>();
    List<LabeledDataset.Label> labels = new ArrayList<>();
    for (Path file : files) {
      int[] size = ImageLoader.size(file);
      LabeledDataset.Image img = new LabeledDataset.Image(images.size() + 1, file, size[0], size[1]);
      images.add(img);
      readLabels(labelFile(file), img, names.size(), labels);
    }
    return new LabeledDataset(yaml, images, names, labels);
  }

  private static Map<?, ?> parse(Path yaml) throws IOException {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(yaml));
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(yaml + ": no such file");
    } catch (YAMLException e) {
      throw new InvalidInputException(yaml + ": not valid YAML: " + e.getMessage().strip());
    }
    if (!(doc instanceof Map<?, ?> m)) {
      throw new InvalidInputException(yaml + ": not a YOLO data.yaml (needs a mapping with 'names' and splits)");
    }
    return m;
  }

  private static Map<Long, String> names(Path yaml, Object names) {
    Map<Long, String> out = new LinkedHashMap<>();
    if (names instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        out.put((long) i, String.valueOf(l.get(i)));
      }
    } else if (names instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof Integer i) || i < 0) {
          throw new InvalidInputException(yaml + ": class index '" + e.getKey() + "' in 'names' is not a number >= 0");
        }
        out.put((long) i, String.valueOf(e.getValue()));
      }
      for (long i = 0; i < out.size(); i++) {
        if (!out.containsKey(i)) {
          throw new InvalidInputException(yaml + ": 'names' lacks class " + i + " (indices must be 0.." + (out.size() - 1) + ")");
        }
      }
    } else {
      throw new InvalidInputException(yaml + ": needs 'names', a list or a map of class names");
    }
    return out;
  }

  /** The images a split entry names: a folder's (recursively, sorted) or a list file's. */
  private static List<Path> imagesOf(Path yaml, Path p) throws IOException {
    if (Files.isDirectory(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        List<Path> found = s.filter(Files::isRegularFile).filter(YoloDataset::isImage).sorted().toList();
        if (found.isEmpty()) {
          throw new InvalidInputException(p + " (from " + yaml + "): no images");
        }
        return found;
      }
    }
    if (Files.isRegularFile(p) && p.toString().endsWith(".txt")) {
      List<Path> out = new ArrayList<>();
      List<String> lines = Files.readAllLines(p);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        Path img = p.toAbsolutePath().getParent().resolve(line);
        if (!Files.isRegularFile(img)) {
          throw new InvalidInputException(p + ":" + (i + 1) + ": no such image " + img);
        }
        out.add(img);
      }
      return out;
    }
    throw new InvalidInputException(p + " (from " + yaml + "): no such folder or .txt list of images");
  }

  static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return IMAGE_EXTENSIONS.stream().anyMatch(n::endsWith);
  }

  /** Ultralytics' rule: the last "images" folder becomes "labels", the extension ".txt". */
  static Path labelFile(Path image) {
    Path abs = image.toAbsolutePath();
    String name = abs.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String txt = (dot > 0 ? name.substring(0, dot) : name) + ".txt";
    Path dir = abs.getParent();
    for (int i = dir.getNameCount() - 1; i >= 0; i--) {
      if (dir.getName(i).toString().equals("images")) {
        Path labels = dir.getRoot().resolve(dir.subpath(0, i)).resolve("labels");
        return (i + 1 < dir.getNameCount() ? labels.resolve(dir.subpath(i + 1, dir.getNameCount())) : labels).resolve(txt);
      }
    }
    return dir.resolve(txt);
  }

  private static void readLabels(Path txt, LabeledDataset.Image img, int classes, List<LabeledDataset.Label> out)
      throws IOException {
    if (!Files.isRegularFile(txt)) {
      return;
    }
    List<String> lines = Files.readAllLines(txt);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      String where = txt + ":" + (i + 1) + ": ";
      String[] t = line.split("\\s+");
      if (t.length != 5 && (t.length < 7 || t.length % 2 == 0)) {
        throw new InvalidInputException(where + "expected 'class cx cy w h' (or 'class x1 y1 x2 y2 ...'), got " + t.length + " values");
      }
      int cls;
      double[] v = new double[t.length - 1];
      try {
        cls = Integer.parseInt(t[0]);
        for (int k = 1; k < t.length; k++) {
          v[k - 1] = Double.parseDouble(t[k]);
          if (!Double.isFinite(v[k - 1])) {
            throw new NumberFormatException(t[k]);
          }
        }
      } catch (NumberFormatException e) {
        throw new InvalidInputException(where + "not a number: " + e.getMessage());
      }
      if (cls < 0 || cls >= classes) {
        throw new InvalidInputException(where + "class " + cls + " is not in 'names' (0.." + (classes - 1) + ")");
      }
      double cx;
      double cy;
      double w;
      double h;
      if (t.length == 5) {
        cx = v[0];
        cy = v[1];
        w = v[2];
        h = v[3];
      } else {
        double x0 = Double.MAX_VALUE, y0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (int k = 0; k < v.length; k += 2) {
          x0 = Math.min(x0, v[k]);
          x1 = Math.max(x1, v[k]);
          y0 = Math.min(y0, v[k + 1]);
          y1 = Math.max(y1, v[k + 1]);
        }
        cx = (x0 + x1) / 2;
        cy = (y0 + y1) / 2;
        w = x1 - x0;
        h = y1 - y0;
      }
      if (w < 0 || h < 0) {
        throw new InvalidInputException(where + "negative box size");
      }
      double[] box = {(cx - w / 2) * img.width(), (cy - h / 2) * img.height(), w * img.width(), h * img.height()};
      out.add(new LabeledDataset.Label(out.size() + 1, img.id(), cls, box, box[2] * box[3], false));
    }
  }
}
