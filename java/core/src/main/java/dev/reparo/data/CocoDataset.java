package dev.reparo.data;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A COCO-format detection dataset ({@code annotations.json}): images, box annotations and
 * categories. Only the fields detection needs are modelled; unknown fields are ignored on read.
 *
 * <p>Immutable and thread-safe (the lists are copied).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CocoDataset(
    Map<String, Object> info, List<Image> images, List<Annotation> annotations,
    List<Category> categories) {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public CocoDataset {
    // insertion order kept: Map.copyOf would reorder keys differently on every JVM run
    info = info == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(info));
    images = images == null ? List.of() : List.copyOf(images);
    annotations = annotations == null ? List.of() : List.copyOf(annotations);
    categories = categories == null ? List.of() : List.copyOf(categories);
  }

  /** One image: its id, file name relative to the images folder, and size in pixels. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Image(long id, @JsonProperty("file_name") String fileName, int width, int height) {}

  /** One object: box {@code [x, y, w, h]} in pixels, shape area in square pixels. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Annotation(
      long id, @JsonProperty("image_id") long imageId, @JsonProperty("category_id") int categoryId,
      double[] bbox, double area, int iscrowd) {
    public Box box() {
      return new Box(bbox[0], bbox[1], bbox[2], bbox[3]);
    }
  }

  /** One class: COCO category id (the class index here) and name. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Category(int id, String name, String supercategory) {}

  /** Writes the dataset as JSON (compact, deterministic field order). */
  public void write(OutputStream out) {
    try {
      MAPPER.writeValue(out, this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads and checks a COCO annotations file: every annotation names a known image and category
   * and has a four-number box with non-negative size.
   *
   * @throws InvalidInputException naming the file when it is not valid COCO detection JSON
   */
  public static CocoDataset read(Path file) {
    CocoDataset data;
    try {
      data = MAPPER.readValue(Files.readAllBytes(file), CocoDataset.class);
    } catch (JacksonException e) {
      throw new InvalidInputException(file + ": not COCO annotations JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (data == null) {
      throw new InvalidInputException(file + ": empty JSON document");
    }
    data.check(file.toString());
    return data;
  }

  private void check(String source) {
    Set<Long> imageIds = new HashSet<>();
    for (Image image : images) {
      if (!imageIds.add(image.id())) {
        throw new InvalidInputException(source + ": image id " + image.id() + " appears twice");
      }
    }
    Set<Integer> categoryIds = new HashSet<>();
    for (Category category : categories) {
      categoryIds.add(category.id());
    }
    for (Annotation a : annotations) {
      if (!imageIds.contains(a.imageId())) {
        throw new InvalidInputException(source + ": annotation " + a.id() + " names unknown image " + a.imageId());
      }
      if (!categoryIds.contains(a.categoryId())) {
        throw new InvalidInputException(
            source + ": annotation " + a.id() + " names unknown category " + a.categoryId());
      }
      if (a.bbox() == null || a.bbox().length != 4 || !(a.bbox()[2] >= 0) || !(a.bbox()[3] >= 0)) {
        throw new InvalidInputException(source + ": annotation " + a.id() + " has no valid [x, y, w, h] bbox");
      }
    }
  }
}
