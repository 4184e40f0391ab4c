package dev.reparo.format.ncnn;

import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.InvalidGraphException;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.graph.ValueInfo;
import dev.reparo.quant.WeightQuantization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a lowered graph (every node in the {@link OpSchema#NCNN_DOMAIN ncnn domain}, see {@code
 * dev.reparo.passes.ncnn.NcnnLowering}) as an ncnn {@code .param} text and {@code .bin} weights.
 *
 * <p>Each graph input becomes an {@code Input} layer (w, h, c from its shape without the batch
 * axis). A node's inputs that name float initializers are its weights, written in the order of
 * {@link NcnnWeights#layout}; the others are its bottom blobs. Attributes are written as
 * {@code id=value} sorted by id, floats in Java's shortest round-trip form, arrays as
 * {@code -233xx=n,v1,...}. Output is deterministic, so writing what {@link NcnnReader} read from our
 * own output gives the same bytes.
 *
 * <p>Stateless and thread-safe; the graph must not change while it is written.
 */
public final class NcnnWriter {
  /** How tagged weight arrays (convolution and inner-product kernels) are stored. */
  public enum WeightStorage {
    FP32,
    FP16
  }

  private NcnnWriter() {}

  /**
   * Renders the graph.
   *
   * @throws UnsupportedOpException naming a node that is not an ncnn layer (lower the graph first)
   * @throws InvalidGraphException naming a node whose weights or params do not fit its layer type,
   *     or a blob that feeds several layers (run {@code SplitSharedBlobs})
   */
  public static NcnnFiles render(Graph graph, WeightStorage storage) {
    return new Rendering(graph, storage).run();
  }

  /**
   * Renders the graph and writes both files atomically: each is written to a temporary file in its
   * directory and renamed into place, so a failure leaves no partial output.
   *
   * @throws ReparoException if a file cannot be written
   */
  public static NcnnFiles write(Graph graph, Path param, Path bin, WeightStorage storage) {
    NcnnFiles files = render(graph, storage);
    Path paramTmp = null;
    Path binTmp = null;
    try {
      binTmp = temp(bin);
      Files.write(binTmp, files.bin());
      paramTmp = temp(param);
      Files.write(paramTmp, files.paramBytes());
      move(binTmp, bin);
      binTmp = null;
      move(paramTmp, param);
      paramTmp = null;
    } catch (IOException e) {
      throw new ReparoException("cannot write ncnn model " + param + " / " + bin + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(binTmp);
      deleteQuietly(paramTmp);
    }
    return files;
  }

  private static Path temp(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    return dev.reparo.io.AtomicFiles.tempBeside(target);
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // best effort: the rename already failed and is being reported
      }
    }
  }

  /** Formats a float as ncnn parses it back exactly: always with '.' or 'E'. */
  static String formatFloat(float v) {
    if (!Float.isFinite(v)) {
      throw new IllegalArgumentException("ncnn params cannot hold " + v);
    }
    return Float.toString(v);
  }

  /** One rendering; not thread-safe. */
  private static final class Rendering {
    private final Graph graph;
    private final WeightStorage storage;
    private final StringBuilder lines = new StringBuilder();
    private final ByteArrayOutputStream bin = new ByteArrayOutputStream();
    private final Map<String, String> blobNames = new HashMap<>();
    private final Set<String> usedBlobNames = new HashSet<>();
    private final Set<String> usedLayerNames = new HashSet<>();
    private int layerCount;

    Rendering(Graph graph, WeightStorage storage) {
      this.graph = graph;
      this.storage = storage;
    }

    NcnnFiles run() {
      checkSingleConsumers();
      for (ValueInfo in : graph.inputs()) {
        int[] whdc = NcnnExtents.of(in.shape());
        Map<Integer, String> params = new TreeMap<>();
        if (whdc != null) {
          putIfPositive(params, 0, whdc[0]);
          putIfPositive(params, 1, whdc[1]);
          putIfPositive(params, 11, whdc[2]);
          putIfPositive(params, 2, whdc[3]);
        }
        String blob = defineBlob(in.name());
        line("Input", layerName(in.name()), List.of(), List.of(blob), params);
      }
      for (Node node : graph.nodes()) {
        writeNode(node);
      }
      String text = NcnnParam.MAGIC + "\n" + layerCount + " " + usedBlobNames.size() + "\n" + lines;
      return new NcnnFiles(text, bin.toByteArray());
    }

    private void checkSingleConsumers() {
      Map<String, Node> firstConsumer = new HashMap<>();
      for (Node node : graph.nodes()) {
        Set<String> seen = new HashSet<>();
        for (String in : node.inputs()) {
          if (graph.initializer(in) != null || !seen.add(in)) {
            continue;
          }
          Node prev = firstConsumer.putIfAbsent(in, node);
          if (prev != null) {
            throw new InvalidGraphException(node, "blob '" + in + "' also feeds " + prev.describe()
                + "; ncnn needs a Split layer (run SplitSharedBlobs before writing)");
          }
        }
      }
    }

    private void writeNode(Node node) {
      if (!OpSchema.NCNN_DOMAIN.equals(node.domain()) || OpSchema.of(node) == null) {
        throw new UnsupportedOpException(node, OpSchema.supportedNcnnLayers());
      }
      List<String> bottoms = new ArrayList<>();
      List<Tensor> weights = new ArrayList<>();
      for (String in : node.inputs()) {
        Tensor w = graph.initializer(in);
        if (w != null) {
          weights.add(w);
        } else if (!weights.isEmpty()) {
          throw new InvalidGraphException(node, "blob '" + in + "' comes after a weight; ncnn nodes"
              + " list their bottom blobs first");
        } else if (graph.longInitializer(in) != null) {
          throw new InvalidGraphException(node, "reads the integer constant '" + in
              + "', which ncnn cannot hold");
        } else {
          String b = blobNames.get(in);
          if (b == null) {
            throw new InvalidGraphException(node, "reads '" + in + "' before any layer produces it");
          }
          bottoms.add(b);
        }
      }
      Map<Integer, String> params = params(node);
      List<NcnnWeights.Entry> layout;
      try {
        layout = NcnnWeights.layout(node.opType(), (id, dflt) -> (int) node.attrInt(Integer.toString(id), dflt));
      } catch (IllegalArgumentException e) {
        throw new InvalidGraphException(node, e.getMessage());
      }
      if (layout == null) {
        throw new UnsupportedOpException(node, OpSchema.supportedNcnnLayers());
      }
      if (layout.size() != weights.size()) {
        throw new InvalidGraphException(node, "has " + weights.size() + " weights; with its params a "
            + node.opType() + " reads " + layout.size());
      }
      float[] weightScales = null;
      for (int i = 0; i < layout.size(); i++) {
        NcnnWeights.Entry e = layout.get(i);
        Tensor w = weights.get(i);
        if (w.size() != e.count()) {
          throw new InvalidGraphException(node, "its " + e.role() + " has " + w.size() + " values; its"
              + " params say " + e.count());
        }
        if (e.role().equals(NcnnWeights.WEIGHT_SCALES)) {
          weightScales = w.data();
        }
      }
      for (int i = 0; i < layout.size(); i++) {
        NcnnWeights.Entry e = layout.get(i);
        float[] data = weights.get(i).data();
        if (e.int8()) {
          writeInt8(data, weightScales, node);
        } else {
          writeWeights(data, e.tagged());
        }
      }
      List<String> tops = new ArrayList<>();
      for (String out : node.outputs()) {
        if (out.isEmpty()) {
          throw new InvalidGraphException(node, "has an omitted output; ncnn layers name every top");
        }
        tops.add(defineBlob(out));
      }
      line(node.opType(), layerName(node.name().isEmpty() ? node.opType().toLowerCase(Locale.ROOT)
          + "_" + layerCount : node.name()), bottoms, tops, params);
    }

    private Map<Integer, String> params(Node node) {
      Map<Integer, String> params = new TreeMap<>();
      for (Attribute a : node.attributes().values()) {
        int id = Integer.parseInt(a.name());
        if (id > 31) {
          throw new InvalidGraphException(node, "param id " + id + " is above ncnn's limit of 31");
        }
        try {
          switch (a.type()) {
            case INT -> params.put(id, Integer.toString(Math.toIntExact(a.asInt())));
            case FLOAT -> params.put(id, formatFloat(a.asFloat()));
            case INTS -> {
              long[] v = a.asInts();
              StringBuilder sb = new StringBuilder().append(v.length);
              for (long x : v) {
                sb.append(',').append(Math.toIntExact(x));
              }
              params.put(NcnnParam.ARRAY_KEY_BASE - id, sb.toString());
            }
            case FLOATS -> {
              float[] v = a.asFloats();
              StringBuilder sb = new StringBuilder().append(v.length);
              for (float x : v) {
                sb.append(',').append(formatFloat(x));
              }
              params.put(NcnnParam.ARRAY_KEY_BASE - id, sb.toString());
            }
            default -> throw new InvalidGraphException(node, "param " + id + " is a " + a.type()
                + "; ncnn params are ints, floats and arrays of them");
          }
        } catch (ArithmeticException | IllegalArgumentException e) {
          throw new InvalidGraphException(node, "param " + id + " cannot be written: " + e.getMessage());
        }
      }
      // Arrays sort by their id, not by their negative key.
      Map<Integer, String> byId = new TreeMap<>((x, y) -> Integer.compare(idOf(x), idOf(y)));
      byId.putAll(params);
      return byId;
    }

    private static int idOf(int key) {
      return key <= NcnnParam.ARRAY_KEY_BASE ? NcnnParam.ARRAY_KEY_BASE - key : key;
    }

    private void writeWeights(float[] data, boolean tagged) {
      if (tagged && storage == WeightStorage.FP16) {
        writeInt(NcnnWeights.TAG_FP16);
        ByteBuffer b = ByteBuffer.allocate((data.length * 2 + 3) / 4 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
          b.putShort(Float16.fromFloat(v));
        }
        bin.writeBytes(b.array());
        return;
      }
      if (tagged) {
        writeInt(0);
      }
      ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(data);
      bin.writeBytes(b.array());
    }

    /** Quantizes float weights with their per-channel scales and writes them tagged as int8. */
    private void writeInt8(float[] data, float[] scales, Node node) {
      if (scales == null || scales.length == 0 || data.length % scales.length != 0) {
        throw new InvalidGraphException(node, "is int8 (param 8) but its weight scales do not divide its "
            + data.length + " weights");
      }
      writeInt(NcnnWeights.TAG_INT8);
      byte[] q = WeightQuantization.quantize(data, scales);
      bin.writeBytes(q);
      bin.writeBytes(new byte[(4 - q.length % 4) % 4]);
    }

    private void writeInt(int v) {
      bin.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private void line(String type, String name, List<String> bottoms, List<String> tops,
        Map<Integer, String> params) {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "%-24s %-24s %d %d", type, name, bottoms.size(), tops.size()));
      bottoms.forEach(b -> sb.append(' ').append(b));
      tops.forEach(t -> sb.append(' ').append(t));
      params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
      lines.append(sb).append('\n');
      layerCount++;
    }

    /** Blob names are kept unless ncnn cannot read them (blank, spaces, over 255 chars). */
    private String defineBlob(String value) {
      String name = usable(value) && !usedBlobNames.contains(value) ? value : fresh("blob", usedBlobNames);
      usedBlobNames.add(name);
      blobNames.put(value, name);
      return name;
    }

    private String layerName(String wanted) {
      String name = usable(wanted) && !usedLayerNames.contains(wanted) ? wanted : fresh("layer", usedLayerNames);
      usedLayerNames.add(name);
      return name;
    }

    private static boolean usable(String name) {
      return !name.isEmpty() && name.length() <= 255 && name.chars().noneMatch(c -> c <= ' ' || c > '~');
    }

    private static String fresh(String base, Set<String> used) {
      for (int i = used.size(); ; i++) {
        String candidate = base + "_" + i;
        if (!used.contains(candidate)) {
          return candidate;
        }
      }
    }

    private static void putIfPositive(Map<Integer, String> params, int id, int v) {
      if (v > 0) {
        params.put(id, Integer.toString(v));
      }
    }
  }
}
