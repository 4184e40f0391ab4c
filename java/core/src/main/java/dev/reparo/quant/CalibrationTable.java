package dev.reparo.quant;

import dev.reparo.ModelFormatException;
import dev.reparo.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ncnn int8 calibration table, the file {@code ncnn2table} writes and {@code ncnn2int8} reads:
 * one line per quantized layer's weights, {@code <layer>_param_0 s1 s2 ... sN} (one scale per
 * output channel, or per group for depth-wise layers), then one line per layer's input, {@code
 * <layer> s}. A scale multiplies float values into int8 ({@code q = round(x · s)}): {@code s =
 * 127 / threshold}. Reparo writes floats in Java's shortest round-trip form, which C's {@code %f}
 * scanning reads back exactly.
 *
 * <p>Immutable and thread-safe.
 */
public final class CalibrationTable {
  private static final String WEIGHT_SUFFIX = "_param_0";

  private final Map<String, float[]> weightScales;
  private final Map<String, Float> inputScales;

  /**
   * @param weightScales layer name → per-channel weight scales, in layer order
   * @param inputScales layer name → scale of its input blob
   */
  public CalibrationTable(Map<String, float[]> weightScales, Map<String, Float> inputScales) {
    Map<String, float[]> w = new LinkedHashMap<>();
    weightScales.forEach((k, v) -> w.put(k, v.clone()));
    this.weightScales = Collections.unmodifiableMap(w);
    this.inputScales = Collections.unmodifiableMap(new LinkedHashMap<>(inputScales));
  }

  /** Layers that have both an input and weight scales: the ones ncnn2int8 quantizes. */
  public boolean quantizes(String layer) {
    return weightScales.containsKey(layer) && inputScales.containsKey(layer);
  }

  /** A copy of the layer's weight scales, or null. */
  public float[] weightScales(String layer) {
    float[] s = weightScales.get(layer);
    return s == null ? null : s.clone();
  }

  /** The layer's input scale, or null. */
  public Float inputScale(String layer) {
    return inputScales.get(layer);
  }

  public Map<String, Float> inputScales() {
    return inputScales;
  }

  /** Layer names with weight scales, in table order. */
  public java.util.Set<String> weightLayers() {
    return weightScales.keySet();
  }

  /** The table without these layers (they stay FP32 in an int8 model). */
  public CalibrationTable without(java.util.Collection<String> layers) {
    Map<String, float[]> w = new LinkedHashMap<>(weightScales);
    Map<String, Float> in = new LinkedHashMap<>(inputScales);
    layers.forEach(w::remove);
    layers.forEach(in::remove);
    return new CalibrationTable(w, in);
  }

  /** The table's text. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    weightScales.forEach((layer, scales) -> {
      sb.append(layer).append(WEIGHT_SUFFIX);
      for (float s : scales) {
        sb.append(' ').append(s);
      }
      sb.append('\n');
    });
    inputScales.forEach((layer, s) -> sb.append(layer).append(' ').append(s).append('\n'));
    return sb.toString();
  }

  /** Writes the table atomically. */
  public void write(Path file) throws IOException {
    AtomicFiles.write(file, format().getBytes(StandardCharsets.US_ASCII));
  }

  public static CalibrationTable read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
  }

  /**
   * Parses a table as ncnn2int8 does: a key ending in {@code _param_N} holds weight scales (only
   * {@code _param_0} is used by the layers Reparo quantizes), any other key an input scale.
   *
   * @throws ModelFormatException naming the source and line of a malformed entry
   */
  public static CalibrationTable parse(String text, String source) {
    Map<String, float[]> w = new LinkedHashMap<>();
    Map<String, Float> in = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n");
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] tok = line.split("\\s+");
      if (tok.length < 2) {
        throw new ModelFormatException(source + ":" + (n + 1) + ": '" + tok[0] + "' has no scale");
      }
      float[] scales = new float[tok.length - 1];
      for (int i = 1; i < tok.length; i++) {
        try {
          scales[i - 1] = Float.parseFloat(tok[i]);
        } catch (NumberFormatException e) {
          throw new ModelFormatException(source + ":" + (n + 1) + ": scale '" + tok[i] + "' of '" + tok[0]
              + "' is not a number");
        }
        if (!Float.isFinite(scales[i - 1]) || scales[i - 1] < 0) {
          throw new ModelFormatException(source + ":" + (n + 1) + ": scale " + tok[i] + " of '" + tok[0]
              + "' must be finite and >= 0");
        }
      }
      String key = tok[0];
      if (key.endsWith(WEIGHT_SUFFIX)) {
        w.put(key.substring(0, key.length() - WEIGHT_SUFFIX.length()), scales);
      } else if (key.matches(".*_param_\\d+")) {
        continue; // weight scales of multi-weight layers (RNN, attention) Reparo does not quantize
      } else {
        if (scales.length != 1) {
          throw new ModelFormatException(source + ":" + (n + 1) + ": input scale of '" + key + "' has "
              + scales.length + " values; Reparo quantizes per-tensor inputs");
        }
        if (scales[0] == 0) {
          throw new ModelFormatException(source + ":" + (n + 1) + ": input scale of '" + key + "' is 0");
        }
        in.put(key, scales[0]);
      }
    }
    return new CalibrationTable(w, in);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CalibrationTable t) || !t.inputScales.equals(inputScales)
        || !t.weightScales.keySet().equals(weightScales.keySet())) {
      return false;
    }
    for (Map.Entry<String, float[]> e : weightScales.entrySet()) {
      if (!java.util.Arrays.equals(e.getValue(), t.weightScales.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return inputScales.hashCode() * 31 + weightScales.keySet().hashCode();
  }

  @Override
  public String toString() {
    return "CalibrationTable[" + weightScales.size() + " weight entries, " + inputScales.size() + " inputs]";
  }
}
