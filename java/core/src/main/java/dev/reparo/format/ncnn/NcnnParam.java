package dev.reparo.format.ncnn;

import dev.reparo.ModelFormatException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ncnn {@code .param} file (text form): its layers, their blobs and parameters.
 *
 * <p>The format, one item per line: the magic number {@value #MAGIC}; {@code layer_count
 * blob_count}; then per layer {@code type name bottom_count top_count bottoms... tops...
 * id=value...}. An array parameter is written {@code -23300-id=n,v1,...,vn}. A value is a float
 * when it has a '.', 'e' or 'E', an int otherwise.
 *
 * <p>{@link #parse} checks everything ncnn would trust blindly (counts that lie, blobs used before
 * they are made, duplicate tops), so a model that passes can be handed to native code. Immutable
 * and thread-safe.
 */
public final class NcnnParam {
  public static final int MAGIC = 7767517;
  /** Array parameters are keyed {@code ARRAY_KEY_BASE - id}. */
  public static final int ARRAY_KEY_BASE = -23300;

  private final List<Layer> layers;
  private final int blobCount;

  private NcnnParam(List<Layer> layers, int blobCount) {
    this.layers = List.copyOf(layers);
    this.blobCount = blobCount;
  }

  /** One layer: type, name, bottom (input) and top (output) blob names, parameters by id. */
  public record Layer(String type, String name, List<String> bottoms, List<String> tops,
      Map<Integer, String> params) {
    public Layer {
      bottoms = List.copyOf(bottoms);
      tops = List.copyOf(tops);
      params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public int intParam(int id, int defaultValue) {
      String v = params.get(id);
      return v == null ? defaultValue : Integer.parseInt(v);
    }

    public float floatParam(int id, float defaultValue) {
      String v = params.get(id);
      return v == null ? defaultValue : Float.parseFloat(v);
    }

    /** An array parameter's values (ints are returned as floats), or an empty array. */
    public float[] arrayParam(int id) {
      String v = params.get(ARRAY_KEY_BASE - id);
      if (v == null) {
        return new float[0];
      }
      String[] parts = v.split(",");
      float[] out = new float[parts.length - 1];
      for (int i = 1; i < parts.length; i++) {
        out[i - 1] = Float.parseFloat(parts[i]);
      }
      return out;
    }
  }

  public List<Layer> layers() {
    return layers;
  }

  public int blobCount() {
    return blobCount;
  }

  /** The layers of type {@code Input}, in file order. */
  public List<Layer> inputs() {
    return layers.stream().filter(l -> l.type().equals("Input")).toList();
  }

  /** Blobs that no layer consumes: the natural outputs of the net, in file order. */
  public List<String> unconsumedBlobs() {
    Set<String> consumed = new HashSet<>();
    layers.forEach(l -> consumed.addAll(l.bottoms()));
    List<String> out = new ArrayList<>();
    for (Layer l : layers) {
      for (String top : l.tops()) {
        if (!consumed.contains(top)) {
          out.add(top);
        }
      }
    }
    return out;
  }

  /** Every blob name the net defines. */
  public Set<String> blobNames() {
    Set<String> names = new HashSet<>();
    layers.forEach(l -> names.addAll(l.tops()));
    return names;
  }

  /**
   * Parses and validates a param file's text; layer names must be unique (Reparo's graph reader
   * and int8 tools key layers by name).
   *
   * @param source the file name to put in error messages
   * @throws ModelFormatException naming {@code source} and the line at fault
   */
  public static NcnnParam parse(String text, String source) {
    return parse(text, source, true);
  }

  /**
   * As {@link #parse(String, String)}; with {@code uniqueLayerNames} false, a layer name may repeat,
   * as ncnn itself allows (pnnx writes two {@code splitncnn_0} into some models). Blob names must
   * be unique either way.
   */
  public static NcnnParam parse(String text, String source, boolean uniqueLayerNames) {
    String[] lines = text.split("\r?\n", -1);
    int lineNo = 0;
    while (lineNo < lines.length && lines[lineNo].isBlank()) {
      lineNo++;
    }
    if (lineNo >= lines.length) {
      throw error(source, 1, "empty file, expected the ncnn param magic " + MAGIC);
    }
    String magic = lines[lineNo].strip();
    if (!magic.equals(Integer.toString(MAGIC))) {
      throw error(source, lineNo + 1, "not an ncnn param file: magic is '" + abbreviate(magic)
          + "', expected " + MAGIC + (magic.matches("\\d+") ? " (written by an older ncnn?)" : ""));
    }
    lineNo++;
    if (lineNo >= lines.length) {
      throw error(source, lineNo + 1, "missing 'layer_count blob_count' line");
    }
    String[] counts = lines[lineNo].strip().split("\\s+");
    if (counts.length != 2) {
      throw error(source, lineNo + 1, "expected 'layer_count blob_count', got '" + abbreviate(lines[lineNo]) + "'");
    }
    int layerCount = parseCount(counts[0], "layer_count", source, lineNo + 1);
    int blobCount = parseCount(counts[1], "blob_count", source, lineNo + 1);
    lineNo++;

    List<Layer> layers = new ArrayList<>();
    Set<String> layerNames = new HashSet<>();
    Set<String> blobs = new HashSet<>();
    for (; lineNo < lines.length; lineNo++) {
      String line = lines[lineNo].strip();
      if (line.isEmpty()) {
        continue;
      }
      if (layers.size() == layerCount) {
        throw error(source, lineNo + 1, "more layers than the declared layer_count " + layerCount);
      }
      Layer layer = parseLayer(line, source, lineNo + 1);
      if (!layerNames.add(layer.name()) && uniqueLayerNames) {
        throw error(source, lineNo + 1, "duplicate layer name '" + layer.name() + "'");
      }
      for (String bottom : layer.bottoms()) {
        if (!blobs.contains(bottom)) {
          throw error(source, lineNo + 1, "layer '" + layer.name() + "' reads blob '" + bottom
              + "' before any layer produces it");
        }
      }
      for (String top : layer.tops()) {
        if (!blobs.add(top)) {
          throw error(source, lineNo + 1, "blob '" + top + "' is produced twice (again by layer '"
              + layer.name() + "')");
        }
      }
      layers.add(layer);
    }
    if (layers.size() != layerCount) {
      throw error(source, lines.length, "declares " + layerCount + " layers but has " + layers.size()
          + " (file truncated?)");
    }
    if (blobs.size() != blobCount) {
      throw error(source, 2, "declares " + blobCount + " blobs but its layers produce " + blobs.size());
    }
    return new NcnnParam(layers, blobCount);
  }

  private static Layer parseLayer(String line, String source, int lineNo) {
    String[] tok = line.split("\\s+");
    if (tok.length < 4) {
      throw error(source, lineNo, "expected 'type name bottom_count top_count ...', got '" + abbreviate(line) + "'");
    }
    int bottomCount = parseCount(tok[2], "bottom_count", source, lineNo);
    int topCount = parseCount(tok[3], "top_count", source, lineNo);
    if (tok.length < 4 + (long) bottomCount + topCount) {
      throw error(source, lineNo, "layer '" + tok[1] + "' declares " + bottomCount + " bottoms and "
          + topCount + " tops but names only " + (tok.length - 4) + " blobs");
    }
    int at = 4;
    List<String> bottoms = List.of(tok).subList(at, at + bottomCount);
    at += bottomCount;
    List<String> tops = List.of(tok).subList(at, at + topCount);
    at += topCount;
    Map<Integer, String> params = new LinkedHashMap<>();
    for (; at < tok.length; at++) {
      int eq = tok[at].indexOf('=');
      int id;
      try {
        id = Integer.parseInt(eq < 0 ? "x" : tok[at].substring(0, eq));
      } catch (NumberFormatException e) {
        throw error(source, lineNo, "layer '" + tok[1] + "': bad parameter '" + abbreviate(tok[at])
            + "', expected id=value");
      }
      String value = tok[at].substring(eq + 1);
      checkValue(tok[1], id, value, source, lineNo);
      if (params.put(id, value) != null) {
        throw error(source, lineNo, "layer '" + tok[1] + "': parameter " + id + " given twice");
      }
    }
    return new Layer(tok[0], tok[1], bottoms, tops, params);
  }

  private static void checkValue(String layer, int id, String value, String source, int lineNo) {
    try {
      if (id <= ARRAY_KEY_BASE) {
        String[] parts = value.split(",", -1);
        int n = Integer.parseInt(parts[0]);
        if (n != parts.length - 1) {
          throw error(source, lineNo, "layer '" + layer + "': array parameter " + (ARRAY_KEY_BASE - id)
              + " declares " + n + " values but has " + (parts.length - 1));
        }
        for (int i = 1; i < parts.length; i++) {
          checkScalar(parts[i]);
        }
      } else {
        checkScalar(value);
      }
    } catch (NumberFormatException e) {
      throw error(source, lineNo, "layer '" + layer + "': parameter " + id + " has bad value '"
          + abbreviate(value) + "'");
    }
  }

  /** A value is read as a float if {@link #isFloat} says so, as an int otherwise; either must parse. */
  private static void checkScalar(String value) {
    if (isFloat(value)) {
      Float.parseFloat(value);
    } else {
      Integer.parseInt(value);
    }
  }

  static boolean isFloat(String value) {
    return value.indexOf('.') >= 0 || value.indexOf('e') >= 0 || value.indexOf('E') >= 0;
  }

  private static int parseCount(String s, String what, String source, int lineNo) {
    try {
      int n = Integer.parseInt(s);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error(source, lineNo, what + " must be a non-negative integer, got '" + abbreviate(s) + "'");
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  private static ModelFormatException error(String source, int line, String message) {
    return new ModelFormatException(source + ":" + line + ": " + message);
  }
}
