package dev.reparo.detect;

import dev.reparo.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The output layouts a detector understands, each with the name {@code --head} takes. Chosen from the
 * output shapes and the metadata by {@link HeadResolver} unless the user names one.
 */
public enum HeadKind {
  /** YOLOv5/YOLOv5-Lite raw: per scale {@code [1, anchors·(5+C), H, W]} logits; anchors decoded here. */
  YOLOV5("yolov5", "anchor-based raw outputs, one per scale"),
  /** YOLOv5 {@code export.py}: {@code [1, N, 5+C]} rows of cx, cy, w, h, objectness, class scores. */
  YOLOV5_DECODED("yolov5-decoded", "anchor-based, decoded [1, N, 5+C]"),
  /** Ultralytics YOLOv8/YOLO11 {@code yolo export}: {@code [1, 4+C, N]}, class scores already sigmoid. */
  ANCHOR_FREE("yolov8", "anchor-free, decoded [1, 4+C, N]"),
  /**
   * Anchor-free raw: per scale {@code [1, 4·16+C, H, W]} box distributions and class logits, or the
   * two as a pair of outputs (DFL here).
   */
  ANCHOR_FREE_RAW("yolov8-raw", "anchor-free raw outputs (box distribution + class logits), one or a pair per scale"),
  /** NMS-free: {@code [1, K, 6]} rows of x1, y1, x2, y2, score, class (Ultralytics end2end, YOLOv10). */
  END_TO_END("end2end", "end-to-end, NMS-free [1, K, 6]");

  private final String cliName;
  private final String description;

  HeadKind(String cliName, String description) {
    this.cliName = cliName;
    this.description = description;
  }

  /** The name {@code --head} takes. */
  public String cliName() {
    return cliName;
  }

  public String description() {
    return description;
  }

  /** @throws InvalidInputException listing the known names */
  public static HeadKind parse(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    for (HeadKind k : values()) {
      if (k.cliName.equals(n) || k.name().equalsIgnoreCase(n)) {
        return k;
      }
    }
    throw new InvalidInputException("unknown head '" + name + "'; known: "
        + Arrays.stream(values()).map(HeadKind::cliName).toList());
  }
}
