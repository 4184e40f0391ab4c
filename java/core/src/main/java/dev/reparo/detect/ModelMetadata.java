package dev.reparo.detect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.ModelFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a detector needs to know about its model beyond the weights: class names, the head's
 * strides and anchors, the input size, and how pixels are normalised. Read from ONNX
 * {@code metadata_props} (or the {@code metadata} object of a converted model's {@code model.json});
 * every value is JSON:
 *
 * <pre>
 *   names           ["circle", "square", ...]   (also Ultralytics' {0: 'person', 1: 'bicycle'})
 *   strides         [8, 16, 32]
 *   anchors         [[10,13, 16,30, 33,23], ...]  or  [[[10,13],[16,30],[33,23]], ...]
 *   input_size      [320, 320]  (height, width)  or  320; Ultralytics' "imgsz" is read too
 *   letterbox_fill  114                          (optional, default 114)
 *   normalization   {"scale": 0.003921568627451, "mean": [0, 0, 0], "std": [1, 1, 1], "color": "RGB"}
 *                   (optional, these defaults; input = (pixel·scale − mean) / std; "channels" may
 *                   stand for "color")
 *   head_layout     yolov8-raw  (optional, a {@link HeadKind} name: how the outputs are laid out,
 *                   written by conversions that change it, e.g. cutting off a decode; not JSON)
 * </pre>
 *
 * Any of names, strides and anchors may be absent (empty here): {@link HeadResolver} infers what the
 * model's head needs from its output shapes, and says what it assumed.
 *
 * <p>Immutable and thread-safe.
 */
public record ModelMetadata(List<String> names, int[] strides, float[][][] anchors, int inputHeight, int inputWidth,
    float letterboxFill, float scale, float[] mean, float[] std, boolean rgb) {
  public static final String NAMES = "names";
  public static final String STRIDES = "strides";
  public static final String ANCHORS = "anchors";
  public static final String INPUT_SIZE = "input_size";
  public static final String LETTERBOX_FILL = "letterbox_fill";
  public static final String NORMALIZATION = "normalization";
  /** The {@link HeadKind#cliName()} of the outputs' layout, where a conversion set it (plain text). */
  public static final String HEAD_LAYOUT = "head_layout";
  /**
   * Why a conversion asked to cut the decode off the head kept the decoded outputs (plain text);
   * present only then.
   */
  public static final String RAW_HEAD_REFUSED = "raw_head_refused";
  /** Ultralytics' key for the input size, {@code [h, w]}. */
  public static final String ULTRALYTICS_IMGSZ = "imgsz";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PY_DICT_ENTRY = Pattern.compile("(\\d+)\\s*:\\s*(['\"])(.*?)\\2");

  public ModelMetadata {
    names = List.copyOf(names);
    strides = strides.clone();
    anchors = anchors.clone();
    mean = mean.clone();
    std = std.clone();
  }

  /**
   * Per-channel values to subtract from raw 0..255 pixels before {@link #pixelNorm()}: the same
   * normalisation as (pixel·scale − mean)/std, written as (pixel − mean/scale)·(scale/std).
   */
  public float[] pixelMean() {
    float[] m = new float[mean.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = mean[i] / scale;
    }
    return m;
  }

  /** Per-channel factors applied after {@link #pixelMean()}: scale/std. */
  public float[] pixelNorm() {
    float[] n = new float[std.length];
    for (int i = 0; i < n.length; i++) {
      n[i] = scale / std[i];
    }
    return n;
  }

  /** A copy with the head's facts as resolved from the model (names, strides, anchors). */
  public ModelMetadata withHead(List<String> names, int[] strides, float[][][] anchors) {
    return new ModelMetadata(names, strides, anchors, inputHeight, inputWidth, letterboxFill, scale, mean, std, rgb);
  }

  /** A copy for an input of {@code height}×{@code width} pixels. */
  public ModelMetadata withInputSize(int height, int width) {
    return new ModelMetadata(names, strides, anchors, height, width, letterboxFill, scale, mean, std, rgb);
  }

  /** Metadata as JSON values, keyed as in the class comment (the form {@link #parse} reads). */
  public Map<String, String> toProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    try {
      p.put(NAMES, JSON.writeValueAsString(names));
      p.put(STRIDES, JSON.writeValueAsString(strides));
      p.put(ANCHORS, JSON.writeValueAsString(anchors));
      p.put(INPUT_SIZE, JSON.writeValueAsString(new int[] {inputHeight, inputWidth}));
      p.put(LETTERBOX_FILL, JSON.writeValueAsString(letterboxFill));
      p.put(NORMALIZATION,
          JSON.writeValueAsString(Map.of("scale", scale, "mean", mean, "std", std, "color", rgb ? "RGB" : "BGR")));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return p;
  }

  /**
   * Reads metadata from {@code props}; {@code overrides} (same keys, may be empty) win over it.
   *
   * @param source names the model in error messages
   * @throws ModelFormatException naming the missing or malformed key and how to supply it
   */
  public static ModelMetadata parse(Map<String, String> props, Map<String, String> overrides, String source) {
    Map<String, String> all = new LinkedHashMap<>(props);
    all.putAll(overrides);
    List<String> names = all.containsKey(NAMES) ? parseNames(all.get(NAMES), source) : List.of();
    int[] strides = all.containsKey(STRIDES) ? ints(json(all, STRIDES, source), STRIDES, source) : new int[0];
    float[][][] anchors = new float[0][][];
    if (all.containsKey(ANCHORS)) {
      JsonNode a = json(all, ANCHORS, source);
      anchors = parseAnchors(a, strides.length > 0 ? strides.length : a.size(), source);
    }
    String sizeKey = all.containsKey(INPUT_SIZE) || !all.containsKey(ULTRALYTICS_IMGSZ) ? INPUT_SIZE : ULTRALYTICS_IMGSZ;
    int[] size = all.containsKey(sizeKey) ? ints(json(all, sizeKey, source), sizeKey, source) : new int[] {640};
    if (size.length == 0 || size.length > 2 || size[0] <= 0 || size[size.length - 1] <= 0) {
      throw bad(source, sizeKey, "must be [height, width] or one positive size");
    }
    float fill = all.containsKey(LETTERBOX_FILL) ? (float) json(all, LETTERBOX_FILL, source).asDouble(114) : 114f;
    float scale = 1f / 255;
    float[] mean = {0, 0, 0};
    float[] std = {1, 1, 1};
    boolean rgb = true;
    if (all.containsKey(NORMALIZATION)) {
      JsonNode n = json(all, NORMALIZATION, source);
      scale = (float) n.path("scale").asDouble(scale);
      mean = triple(n, "mean", mean, source);
      std = triple(n, "std", std, source);
      for (float v : std) {
        if (!(v > 0)) {
          throw bad(source, NORMALIZATION, "std values must be positive");
        }
      }
      if (!(scale > 0)) {
        throw bad(source, NORMALIZATION, "scale must be positive");
      }
      String color = n.path("color").asText(n.path("channels").asText("RGB"));
      if (!color.equals("RGB") && !color.equals("BGR")) {
        throw bad(source, NORMALIZATION, "color must be \"RGB\" or \"BGR\", got \"" + color + "\"");
      }
      rgb = color.equals("RGB");
    }
    return new ModelMetadata(names, strides, anchors, size[0], size[size.length - 1], fill, scale, mean, std, rgb);
  }

  private static float[] triple(JsonNode n, String key, float[] fallback, String source) {
    JsonNode v = n.get(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isArray() || v.size() != 3 || !v.get(0).isNumber() || !v.get(1).isNumber() || !v.get(2).isNumber()) {
      throw bad(source, NORMALIZATION, "'" + key + "' must be a list of 3 numbers, got " + v);
    }
    return new float[] {(float) v.get(0).asDouble(), (float) v.get(1).asDouble(), (float) v.get(2).asDouble()};
  }

  private static String require(Map<String, String> all, String key, String source) {
    String v = all.get(key);
    if (v == null) {
      throw new ModelFormatException(source + ": model metadata has no '" + key + "'; add it to the ONNX "
          + "metadata_props (JSON value, see ModelMetadata) or pass it as a DetectorOptions override ("
          + "--meta " + key + "=... on the command line)");
    }
    return v;
  }

  private static JsonNode json(Map<String, String> all, String key, String source) {
    String v = require(all, key, source);
    try {
      return JSON.readTree(v);
    } catch (JsonProcessingException e) {
      throw bad(source, key, "is not valid JSON: " + v);
    }
  }

  private static List<String> parseNames(String v, String source) {
    String t = v.strip();
    if (t.startsWith("{")) {
      // Ultralytics writes a Python dict literal: {0: 'person', 1: 'bicycle'}.
      Map<Integer, String> byId = new TreeMap<>();
      Matcher m = PY_DICT_ENTRY.matcher(t);
      while (m.find()) {
        byId.put(Integer.parseInt(m.group(1)), m.group(3));
      }
      List<String> names = new ArrayList<>(byId.values());
      if (names.isEmpty() || !byId.keySet().equals(new java.util.TreeSet<>(java.util.stream.IntStream
          .range(0, names.size()).boxed().toList()))) {
        throw bad(source, NAMES, "dict must map 0..N-1 to names: " + v);
      }
      return names;
    }
    try {
      JsonNode n = JSON.readTree(t);
      if (!n.isArray() || n.isEmpty()) {
        throw bad(source, NAMES, "must be a non-empty JSON list of class names");
      }
      List<String> names = new ArrayList<>();
      n.forEach(e -> names.add(e.asText()));
      return names;
    } catch (JsonProcessingException e) {
      throw bad(source, NAMES, "is not valid JSON: " + v);
    }
  }

  private static float[][][] parseAnchors(JsonNode n, int scales, String source) {
    if (!n.isArray() || n.size() != scales) {
      throw bad(source, ANCHORS, "must list one entry per stride (" + scales + "), got " + n);
    }
    float[][][] out = new float[scales][][];
    for (int s = 0; s < scales; s++) {
      List<Float> flat = new ArrayList<>();
      for (JsonNode e : n.get(s)) {
        if (e.isArray()) {
          e.forEach(v -> flat.add((float) v.asDouble()));
        } else {
          flat.add((float) e.asDouble());
        }
      }
      if (flat.isEmpty() || flat.size() % 2 != 0) {
        throw bad(source, ANCHORS, "scale " + s + " must hold (w, h) pairs, got " + n.get(s));
      }
      out[s] = new float[flat.size() / 2][];
      for (int a = 0; a < flat.size() / 2; a++) {
        out[s][a] = new float[] {flat.get(2 * a), flat.get(2 * a + 1)};
      }
    }
    return out;
  }

  private static int[] ints(JsonNode n, String key, String source) {
    if (n.isInt()) {
      return new int[] {n.asInt()};
    }
    if (!n.isArray()) {
      throw bad(source, key, "must be a JSON list of integers, got " + n);
    }
    int[] v = new int[n.size()];
    for (int i = 0; i < v.length; i++) {
      if (!n.get(i).canConvertToInt()) {
        throw bad(source, key, "must be a JSON list of integers, got " + n);
      }
      v[i] = n.get(i).asInt();
    }
    return v;
  }

  private static ModelFormatException bad(String source, String key, String what) {
    return new ModelFormatException(source + ": model metadata '" + key + "' " + what);
  }
}
