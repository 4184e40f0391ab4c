package dev.reparo.detect;

import dev.reparo.ModelFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Chooses a model's {@link DetectionHead} from its output shapes and metadata, and fills in what the
 * exporter did not write: class names ({@code class0…}), strides (input size ÷ output grid) and,
 * for raw anchor heads only, YOLOv5's default anchors. Every assumption becomes a warning in the
 * {@link Resolution}; a value the metadata states and the shapes contradict is an error.
 */
final class HeadResolver {
  /** YOLOv5's default anchors for strides 8, 16, 32 (w, h in input pixels). */
  static final float[][][] YOLOV5_DEFAULT_ANCHORS = {
      {{10, 13}, {16, 30}, {33, 23}}, {{30, 61}, {62, 45}, {59, 119}}, {{116, 90}, {156, 198}, {373, 326}}};
  /** Distribution bins per box side in YOLOv8/YOLO11 heads (Ultralytics' reg_max). */
  static final int DFL_BINS = 16;

  private HeadResolver() {}

  /**
   * @param head the chosen head
   * @param metadata the input metadata with names, strides and anchors as the head uses them
   * @param reason why this head: "--head" or the shape evidence
   * @param warnings what was assumed, one line each
   */
  record Resolution(DetectionHead head, ModelMetadata metadata, String reason, List<String> warnings) {}

  /**
   * @param outputShapes the model's outputs in order (dimensions ≤ 0 are unknown)
   * @param props the model's metadata properties with the user's overrides applied
   * @param requested the head the user named, or null to choose
   */
  static Resolution resolve(List<long[]> outputShapes, ModelMetadata meta, Map<String, String> props,
      HeadKind requested, int inputHeight, int inputWidth, String source) {
    List<String> warnings = new ArrayList<>();
    boolean ultralytics = "Ultralytics".equals(props.get("author")) || props.containsKey("task");
    String layout = props.get(ModelMetadata.HEAD_LAYOUT);
    HeadKind kind = requested != null ? requested
        : layout != null ? declaredLayout(layout, source)
        : guess(outputShapes, meta, props, ultralytics, source);
    String reason = requested != null ? "requested"
        : layout != null ? "from metadata " + ModelMetadata.HEAD_LAYOUT + "=" + layout
        : "from output shape" + (outputShapes.size() == 1 ? " " : "s ") + shapes(outputShapes)
            + (isTrue(props.get("end2end")) ? " and metadata end2end=True" : "");
    int nc = classCount(kind, outputShapes, meta, source, warnings);
    List<String> names = meta.names();
    if (names.isEmpty()) {
      names = IntStream.range(0, nc).mapToObj(i -> "class" + i).toList();
      warnings.add("the model's metadata names no classes: calling its " + nc + " classes class0..class" + (nc - 1)
          + " (supply real names with --meta 'names=[\"...\"]')");
    } else if (names.size() != nc) {
      throw new ModelFormatException(source + ": metadata names " + names.size() + " classes but the " + kind.cliName()
          + " head's output " + shapes(outputShapes) + " holds " + nc);
    }
    int[] strides = meta.strides();
    float[][][] anchors = meta.anchors();
    DetectionHead head;
    switch (kind) {
      case YOLOV5 -> {
        strides = gridStrides(outputShapes, strides, inputHeight, inputWidth, source, warnings);
        if (anchors.length == 0) {
          if (!Arrays.equals(strides, new int[] {8, 16, 32})) {
            throw new ModelFormatException(source + ": a raw anchor head with strides " + Arrays.toString(strides)
                + " needs its anchors; supply them with --meta 'anchors=[[w,h, ...], ...]'");
          }
          anchors = YOLOV5_DEFAULT_ANCHORS;
          warnings.add("the model's metadata has no anchors: using YOLOv5's defaults for strides 8, 16, 32 "
              + "(supply others with --meta anchors=...)");
        }
        head = new AnchorHead(YoloHead.of(nc, strides, anchors));
      }
      case ANCHOR_FREE_RAW -> {
        strides = gridStrides(scales(outputShapes), strides, inputHeight, inputWidth, source, warnings);
        head = new AnchorFreeRawHead(nc, strides);
      }
      case YOLOV5_DECODED -> head = new DecodedAnchorHead(nc);
      case ANCHOR_FREE -> head = new AnchorFreeHead(nc);
      case END_TO_END -> head = new EndToEndHead(nc);
      default -> throw new IllegalStateException(kind.toString());
    }
    return new Resolution(head, meta.withHead(names, strides, anchors), reason, List.copyOf(warnings));
  }

  private static HeadKind declaredLayout(String layout, String source) {
    try {
      return HeadKind.parse(layout);
    } catch (dev.reparo.InvalidInputException e) {
      throw new ModelFormatException(source + ": metadata " + ModelMetadata.HEAD_LAYOUT + ": " + e.getMessage());
    }
  }

  private static HeadKind guess(List<long[]> shapes, ModelMetadata meta, Map<String, String> props,
      boolean ultralytics, String source) {
    if (shapes.size() == 1 && shapes.get(0).length == 3) {
      long a = shapes.get(0)[1];
      long b = shapes.get(0)[2];
      if (isTrue(props.get("end2end")) && b == 6) {
        return HeadKind.END_TO_END;
      }
      if (a > 0 && (b <= 0 || a < b)) {
        return HeadKind.ANCHOR_FREE; // [1, 4+C, N]: few channels, many anchors
      }
      if (b == 6 && (ultralytics || meta.names().size() > 1)) {
        return HeadKind.END_TO_END; // [1, K, 6] that is no one-class YOLOv5 output
      }
      if (b > 5) {
        return HeadKind.YOLOV5_DECODED;
      }
    } else if (!shapes.isEmpty() && shapes.stream().allMatch(s -> s.length == 4 && s[1] > 0)) {
      int nc = meta.names().size();
      int na = meta.anchors().length > 0 ? meta.anchors()[0].length : 3;
      boolean fitsAnchors = shapes.stream().allMatch(s -> nc > 0 ? s[1] == (long) na * (5 + nc) : s[1] % na == 0);
      boolean fitsFree = shapes.stream().allMatch(s -> nc > 0 ? s[1] > nc && (s[1] - nc) % 4 == 0 : s[1] > 4L * DFL_BINS);
      if (fitsFree && (ultralytics || !fitsAnchors)) {
        return HeadKind.ANCHOR_FREE_RAW;
      }
      if (fitsAnchors) {
        return HeadKind.YOLOV5;
      }
    }
    throw new ModelFormatException(source + ": cannot tell the detection head from the output shape(s) "
        + shapes(shapes) + "; name it with --head (" + Arrays.stream(HeadKind.values()).map(HeadKind::cliName).toList()
        + ")");
  }

  private static int classCount(HeadKind kind, List<long[]> shapes, ModelMetadata meta, String source,
      List<String> warnings) {
    int known = meta.names().size();
    long[] first = shapes.isEmpty() ? new long[0] : shapes.get(0);
    long c = switch (kind) {
      case YOLOV5 -> first.length == 4
          ? first[1] / (meta.anchors().length > 0 ? meta.anchors()[0].length : 3) - 5 : -1;
      case YOLOV5_DECODED -> first.length == 3 ? first[2] - 5 : -1;
      case ANCHOR_FREE -> first.length == 3 ? first[1] - 4 : -1;
      case ANCHOR_FREE_RAW -> known > 0 ? known
          : scales(shapes).size() < shapes.size() ? shapes.get(1)[1] // (box, class logits) pairs
          : first.length == 4 ? first[1] - 4L * DFL_BINS : -1;
      case END_TO_END -> known;
    };
    if (kind == HeadKind.ANCHOR_FREE_RAW && known == 0 && c > 0 && scales(shapes).size() == shapes.size()) {
      warnings.add("class count read as channels − " + 4 * DFL_BINS + " (" + DFL_BINS + " bins per box side)");
    }
    if (c < 1 || c > 100_000) {
      throw new ModelFormatException(source + ": the " + kind.cliName() + " head's output " + shapes(shapes)
          + " gives no class count" + (kind == HeadKind.END_TO_END || kind == HeadKind.ANCHOR_FREE_RAW
              ? "; supply the class names with --meta 'names=[\"...\"]'" : ""));
    }
    return (int) c;
  }

  /**
   * One shape per scale of a raw anchor-free head: a (box distributions, class logits) pair of
   * consecutive outputs on one known grid counts once (see {@link AnchorFreeRawHead}).
   */
  private static List<long[]> scales(List<long[]> shapes) {
    List<long[]> scales = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      long[] s = shapes.get(i);
      scales.add(s);
      if (i + 1 < shapes.size() && s.length == 4 && s[2] > 0 && s[3] > 0 && shapes.get(i + 1).length == 4
          && shapes.get(i + 1)[2] == s[2] && shapes.get(i + 1)[3] == s[3]) {
        i++;
      }
    }
    return scales;
  }

  /** Per raw output, input size ÷ grid size; checked against the metadata's strides when it has some. */
  private static int[] gridStrides(List<long[]> shapes, int[] declared, int inputHeight, int inputWidth, String source,
      List<String> warnings) {
    int[] strides = new int[shapes.size()];
    for (int i = 0; i < strides.length; i++) {
      long h = shapes.get(i)[2];
      long w = shapes.get(i)[3];
      if (h <= 0 || w <= 0) {
        if (declared.length == shapes.size()) {
          return declared; // dynamic grids: the metadata is all there is
        }
        if (shapes.size() == 3) {
          warnings.add("output grids are dynamic and the metadata has no strides: assuming 8, 16, 32");
          return new int[] {8, 16, 32};
        }
        throw new ModelFormatException(source + ": output " + i + " has a dynamic grid " + Arrays.toString(shapes.get(i))
            + " and the metadata has no strides; supply them with --meta 'strides=[8,16,32]'");
      }
      if (inputHeight % h != 0 || inputWidth % w != 0 || inputHeight / h != inputWidth / w) {
        throw new ModelFormatException(source + ": output " + i + " grid " + w + "x" + h + " does not divide the "
            + inputWidth + "x" + inputHeight + " input evenly");
      }
      strides[i] = (int) (inputHeight / h);
    }
    if (declared.length > 0 && !Arrays.equals(declared, strides)) {
      throw new ModelFormatException(source + ": metadata strides " + Arrays.toString(declared)
          + " disagree with the output grids, which give " + Arrays.toString(strides));
    }
    return strides;
  }

  private static boolean isTrue(String v) {
    return v != null && v.strip().toLowerCase(Locale.ROOT).matches("true|1");
  }

  static String shapes(List<long[]> shapes) {
    return String.join(", ", shapes.stream().map(s -> Arrays.toString(s).replace("-1", "?")).toList());
  }
}
