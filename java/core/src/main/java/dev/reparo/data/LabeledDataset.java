package dev.reparo.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A labelled detection dataset as evaluation, {@code detect --gt} and calibration use it: images
 * (with their files), categories and boxes, read from COCO JSON or from the Ultralytics/YOLO
 * layout. Both become the same ids and pixel boxes, so either route gives the same metrics.
 *
 * <p>Immutable and thread-safe.
 */
public final class LabeledDataset {
  /** One image: id, its file, and size in pixels. */
  public record Image(long id, Path file, int width, int height) {}

  /**
   * One box: {@code bbox} is [x, y, width, height] in pixels; {@code area} is what COCO's area
   * ranges are checked against (COCO's {@code area}, else the box's).
   */
  public record Label(long id, long imageId, long categoryId, double[] bbox, double area, boolean crowd) {}

  private final Path source;
  private final List<Image> images;
  private final Map<Long, String> categories;
  private final List<Label> labels;
  private final Map<String, Long> imageByName = new HashMap<>();
  private final Map<String, Long> categoryByName = new HashMap<>();

  LabeledDataset(Path source, List<Image> images, Map<Long, String> categories, List<Label> labels) {
    this.source = source;
    this.images = List.copyOf(images);
    this.categories = Collections.unmodifiableMap(new LinkedHashMap<>(new TreeMap<>(categories)));
    this.labels = List.copyOf(labels);
    this.images.forEach(i -> imageByName.putIfAbsent(i.file().getFileName().toString(), i.id()));
    this.categories.forEach((id, name) -> categoryByName.putIfAbsent(name, id));
  }

  /**
   * Opens a dataset: a {@code .json} file is COCO (images in {@code images/} beside it), a
   * {@code .yaml}/{@code .yml} file or a directory holding {@code data.yaml} is the YOLO layout
   * (its {@code val} split).
   *
   * @throws InvalidInputException naming the file when it is neither, or not valid
   */
  public static LabeledDataset open(Path path) throws IOException {
    return open(path, null, "val");
  }

  /**
   * As {@link #open(Path)}, with a COCO dataset's images folder (null: {@code images/} beside the
   * JSON) and the YOLO split to read ({@code val}, {@code train}, {@code test}, ...).
   */
  public static LabeledDataset open(Path path, Path cocoImages, String yoloSplit) throws IOException {
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean yolo = Files.isDirectory(path) || name.endsWith(".yaml") || name.endsWith(".yml");
    if (yolo && cocoImages != null) {
      throw new InvalidInputException(path + ": a YOLO dataset names its own images; an images folder applies to COCO JSON only");
    }
    if (yolo) {
      return YoloDataset.read(path, yoloSplit);
    }
    if (!Files.isRegularFile(path)) {
      throw new InvalidInputException(path + ": no such dataset file or directory");
    }
    return coco(path, cocoImages);
  }

  /**
   * Reads a COCO annotations file whose {@code file_name}s are relative to {@code imagesDir}
   * (null: {@code images/} beside the file). A missing {@code area} is the box's; every
   * annotation must name a known image and category and have a box of non-negative size.
   */
  public static LabeledDataset coco(Path json, Path imagesDir) throws IOException {
    Path dir = imagesDir != null ? imagesDir : json.toAbsolutePath().getParent().resolve("images");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(json));
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(json + ": no such file");
    } catch (JacksonException e) {
      throw new InvalidInputException(json + ": not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject() || !root.path("images").isArray() || !root.path("categories").isArray()
        || !root.path("annotations").isArray()) {
      throw new InvalidInputException(json + ": not a COCO dataset (needs 'images', 'annotations' and 'categories')");
    }
    List<Image> images = new ArrayList<>();
    Map<Long, Image> byId = new HashMap<>();
    for (JsonNode i : root.path("images")) {
      Image img = new Image(i.path("id").asLong(), dir.resolve(i.path("file_name").asText()), i.path("width").asInt(),
          i.path("height").asInt());
      if (byId.put(img.id(), img) != null) {
        throw new InvalidInputException(json + ": image id " + img.id() + " appears twice");
      }
      images.add(img);
    }
    Map<Long, String> cats = new LinkedHashMap<>();
    for (JsonNode c : root.path("categories")) {
      cats.put(c.path("id").asLong(), c.path("name").asText(Long.toString(c.path("id").asLong())));
    }
    List<Label> labels = new ArrayList<>();
    for (JsonNode a : root.path("annotations")) {
      long id = a.path("id").asLong();
      JsonNode b = a.get("bbox");
      if (b == null || !b.isArray() || b.size() != 4 || !(b.get(2).asDouble(-1) >= 0) || !(b.get(3).asDouble(-1) >= 0)) {
        throw new InvalidInputException(json + ": annotation " + id + " has no valid [x, y, w, h] bbox");
      }
      double[] box = {b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()};
      long image = a.path("image_id").asLong();
      long cat = a.path("category_id").asLong();
      if (!byId.containsKey(image)) {
        throw new InvalidInputException(json + ": annotation " + id + " names unknown image " + image);
      }
      if (!cats.containsKey(cat)) {
        throw new InvalidInputException(json + ": annotation " + id + " names unknown category " + cat);
      }
      double area = a.has("area") ? a.get("area").asDouble() : box[2] * box[3];
      labels.add(new Label(id, image, cat, box, area, a.path("iscrowd").asInt(0) != 0));
    }
    return new LabeledDataset(json, images, cats, labels);
  }

  /** The file the dataset was read from (COCO JSON or data.yaml). */
  public Path source() {
    return source;
  }

  /** The images, in the dataset's order. */
  public List<Image> images() {
    return images;
  }

  /** Category id to name, in id order. */
  public Map<Long, String> categories() {
    return categories;
  }

  public List<Label> labels() {
    return labels;
  }

  /** The ids of all images. */
  public List<Long> imageIds() {
    return images.stream().map(Image::id).toList();
  }

  /**
   * The id of the image whose file is named as {@code file}'s file name.
   *
   * @throws InvalidInputException if there is none
   */
  public long imageIdOf(Path file) {
    Long id = imageByName.get(file.getFileName().toString());
    if (id == null) {
      throw new InvalidInputException(file.getFileName() + " is not an image of " + source);
    }
    return id;
  }

  /**
   * The id of the category named {@code name}.
   *
   * @throws InvalidInputException if there is none
   */
  public long categoryIdOf(String name) {
    Long id = categoryByName.get(name);
    if (id == null) {
      throw new InvalidInputException("class '" + name + "' is not a category of " + source);
    }
    return id;
  }
}
