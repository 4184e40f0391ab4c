package dev.reparo.eval;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import dev.reparo.data.Box;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One detector output in COCO result form: image id, category id, box in original image pixels,
 * confidence score.
 *
 * <p>Immutable and thread-safe.
 */
public record Detection(long imageId, int categoryId, Box box, double score) {
  /**
   * Reads a COCO results file: a JSON array of {@code {"image_id", "category_id", "bbox": [x, y,
   * w, h], "score"}}.
   *
   * @throws InvalidInputException naming the file and the entry when it is not in that form
   */
  public static List<Detection> readCocoResults(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(file));
    } catch (JacksonException e) {
      throw new InvalidInputException(file + ": not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isArray()) {
      throw new InvalidInputException(file + ": COCO results must be a JSON array");
    }
    List<Detection> out = new ArrayList<>(root.size());
    for (int i = 0; i < root.size(); i++) {
      JsonNode row = root.get(i);
      JsonNode bbox = row.get("bbox");
      if (!row.hasNonNull("image_id") || !row.hasNonNull("category_id") || !row.hasNonNull("score")
          || bbox == null || !bbox.isArray() || bbox.size() != 4) {
        throw new InvalidInputException(file + ": result " + i
            + " needs image_id, category_id, score and a four-number bbox");
      }
      double w = bbox.get(2).asDouble();
      double h = bbox.get(3).asDouble();
      if (!(w >= 0) || !(h >= 0)) {
        throw new InvalidInputException(file + ": result " + i + " has a negative box size");
      }
      out.add(new Detection(row.get("image_id").asLong(), row.get("category_id").asInt(),
          new Box(bbox.get(0).asDouble(), bbox.get(1).asDouble(), w, h), row.get("score").asDouble()));
    }
    return out;
  }
}
