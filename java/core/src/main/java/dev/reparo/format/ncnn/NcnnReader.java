package dev.reparo.format.ncnn;

import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an ncnn {@code .param} + {@code .bin} pair into a {@link Graph} of {@link
 * OpSchema#NCNN_DOMAIN ncnn-domain} nodes, for inspection and round trips: {@code Input} layers
 * become graph inputs, blobs no layer reads become graph outputs, params become attributes named
 * by id (ints, floats, int or float arrays), weights become float initializers named {@code
 * <layer>.<role>} listed after the node's bottoms. {@link NcnnWriter} writes such a graph back.
 *
 * <p>Stateless and thread-safe.
 */
public final class NcnnReader {
  private NcnnReader() {}

  /** @throws ModelFormatException naming the file that is missing, malformed or truncated */
  public static Graph read(Path param, Path bin) {
    return read(new String(readBytes(param), StandardCharsets.US_ASCII), readBytes(bin),
        param.toString(), bin.toString());
  }

  /**
   * Reads a model from memory.
   *
   * @param paramName and {@code binName}: the names used in error messages
   * @throws ModelFormatException naming the file at fault
   */
  public static Graph read(String paramText, byte[] bin, String paramName, String binName) {
    NcnnParam param = NcnnParam.parse(paramText, paramName);
    ByteBuffer buf = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
    String graphName = Path.of(paramName).getFileName().toString().replaceFirst("\\.param$", "");
    Graph g = new Graph(graphName, 0);
    g.setOpsetImport(OpSchema.NCNN_DOMAIN, 1);
    for (NcnnParam.Layer layer : param.layers()) {
      if (layer.type().equals("Input")) {
        if (layer.tops().size() != 1 || !layer.bottoms().isEmpty()) {
          throw new ModelFormatException(paramName + ": Input layer '" + layer.name()
              + "' must have no bottoms and one top");
        }
        g.addInput(new ValueInfo(layer.tops().get(0), DataType.FLOAT, inputShape(layer, paramName)));
        continue;
      }
      List<NcnnWeights.Entry> layout;
      try {
        layout = NcnnWeights.layout(layer.type(), (id, dflt) -> intParam(layer, id, dflt, paramName));
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(paramName + ": layer '" + layer.name() + "': " + e.getMessage());
      }
      if (layout == null) {
        throw new ModelFormatException(paramName + ": layer '" + layer.name() + "' has type '"
            + layer.type() + "', whose weights Reparo cannot read; it reads "
            + String.join(", ", OpSchema.supportedNcnnLayers()));
      }
      List<String> inputs = new ArrayList<>(layer.bottoms());
      List<Tensor> arrays = new ArrayList<>();
      boolean[] storedInt8 = new boolean[1];
      for (NcnnWeights.Entry e : layout) {
        arrays.add(readWeights(buf, e, layer, binName, storedInt8));
      }
      if (storedInt8[0]) {
        dequantize(arrays, layout, layer, binName);
      }
      for (int i = 0; i < layout.size(); i++) {
        String name = g.uniqueName(layer.name() + "." + layout.get(i).role());
        g.putInitializer(name, arrays.get(i));
        inputs.add(name);
      }
      Node.Builder b = Node.builder(layer.type()).name(layer.name()).domain(OpSchema.NCNN_DOMAIN);
      b.inputs(inputs.toArray(String[]::new)).outputs(layer.tops().toArray(String[]::new));
      for (Map.Entry<Integer, String> p : layer.params().entrySet()) {
        b.attr(attribute(p.getKey(), p.getValue()));
      }
      g.addNode(b.build());
    }
    if (buf.hasRemaining()) {
      throw new ModelFormatException(binName + ": " + buf.remaining() + " bytes left over after the"
          + " weights " + paramName + " describes; the .bin does not belong to this .param");
    }
    for (String out : param.unconsumedBlobs()) {
      g.addOutput(new ValueInfo(out, DataType.FLOAT, Shape.unknown()));
    }
    return g;
  }

  /** [1, c, h, w] from the Input's w (0), h (1), d (11), c (2); 0 or absent is unknown. */
  private static Shape inputShape(NcnnParam.Layer layer, String paramName) {
    int w = intParam(layer, 0, 0, paramName);
    int h = intParam(layer, 1, 0, paramName);
    int d = intParam(layer, 11, 0, paramName);
    int c = intParam(layer, 2, 0, paramName);
    int[] outerFirst = c > 0 || d > 0 ? (d > 0 ? new int[] {c, d, h, w} : new int[] {c, h, w})
        : h > 0 ? new int[] {h, w} : w > 0 ? new int[] {w} : null;
    if (outerFirst == null) {
      return Shape.unknown();
    }
    List<Dim> dims = new ArrayList<>();
    dims.add(Dim.of(1));
    for (int v : outerFirst) {
      dims.add(v > 0 ? Dim.of(v) : Dim.unknown());
    }
    return Shape.of(dims);
  }

  /** An int parameter that the weight layout or input shape depends on; a float there is refused. */
  private static int intParam(NcnnParam.Layer layer, int id, int defaultValue, String paramName) {
    try {
      return layer.intParam(id, defaultValue);
    } catch (NumberFormatException e) {
      throw new ModelFormatException(paramName + ": layer '" + layer.name() + "': parameter " + id
          + " must be an integer, got '" + layer.params().get(id) + "'");
    }
  }

  private static Attribute attribute(int key, String value) {
    if (key > NcnnParam.ARRAY_KEY_BASE) {
      String id = Integer.toString(key);
      return NcnnParam.isFloat(value) ? Attribute.of(id, Float.parseFloat(value))
          : Attribute.of(id, (long) Integer.parseInt(value));
    }
    String id = Integer.toString(NcnnParam.ARRAY_KEY_BASE - key);
    String[] parts = value.split(",");
    boolean floats = false;
    for (int i = 1; i < parts.length; i++) {
      floats |= NcnnParam.isFloat(parts[i]);
    }
    if (floats) {
      float[] v = new float[parts.length - 1];
      for (int i = 1; i < parts.length; i++) {
        v[i - 1] = Float.parseFloat(parts[i]);
      }
      return Attribute.floats(id, v);
    }
    long[] v = new long[parts.length - 1];
    for (int i = 1; i < parts.length; i++) {
      v[i - 1] = Integer.parseInt(parts[i]);
    }
    return Attribute.ints(id, v);
  }

  /**
   * int8 weights become float again: each channel's values divided by its scale (a zero scale
   * marks an all-zero channel), so writing the graph back quantizes them to the same bytes.
   */
  private static void dequantize(List<Tensor> arrays, List<NcnnWeights.Entry> layout, NcnnParam.Layer layer,
      String binName) {
    int at = -1;
    for (int i = 0; i < layout.size(); i++) {
      if (layout.get(i).role().equals(NcnnWeights.WEIGHT_SCALES)) {
        at = i;
      }
    }
    if (at < 0) {
      throw new ModelFormatException(binName + ": layer '" + layer.name() + "' stores int8 weights but its"
          + " param 8 (int8_scale_term) is 0, so it has no weight scales");
    }
    float[] w = arrays.get(0).data();
    float[] scales = arrays.get(at).data();
    if (w.length % scales.length != 0) {
      throw new ModelFormatException(binName + ": layer '" + layer.name() + "' has " + w.length
          + " weights, which do not split into " + scales.length + " scaled channels");
    }
    int per = w.length / scales.length;
    for (int i = 0; i < w.length; i++) {
      float s = scales[i / per];
      w[i] = s == 0 ? 0 : w[i] / s;
    }
  }

  private static Tensor readWeights(ByteBuffer buf, NcnnWeights.Entry e, NcnnParam.Layer layer, String binName,
      boolean[] storedInt8) {
    int n = e.count();
    if (n <= 0) {
      throw new ModelFormatException(binName + ": layer '" + layer.name() + "' declares " + n + " "
          + e.role() + " values");
    }
    // Every array is allocated only after the bin is known to hold its bytes: a count that lies
    // must not become an 8 GB allocation.
    float[] v;
    if (e.tagged()) {
      need(buf, 4, layer, binName);
      int tag = buf.getInt();
      if (tag == NcnnWeights.TAG_FP16) {
        long bytes = ((long) n * 2 + 3) / 4 * 4;
        need(buf, bytes, layer, binName);
        v = new float[n];
        int start = buf.position();
        for (int i = 0; i < n; i++) {
          v[i] = Float16.toFloat(buf.getShort());
        }
        buf.position(start + (int) bytes);
        return Tensor.of(v, n);
      }
      if (tag == NcnnWeights.TAG_INT8) {
        if (!e.int8()) {
          throw new ModelFormatException(binName + ": layer '" + layer.name() + "' stores its " + e.role()
              + " as int8, which only int8 layers (param 8 = int8_scale_term) can");
        }
        int bytes = (n + 3) / 4 * 4;
        need(buf, bytes, layer, binName);
        v = new float[n];
        int start = buf.position();
        for (int i = 0; i < n; i++) {
          v[i] = buf.get();
        }
        buf.position(start + bytes);
        storedInt8[0] = true;
        return Tensor.of(v, n);
      }
      if (tag == NcnnWeights.TAG_BF16) {
        long bytes = ((long) n * 2 + 3) / 4 * 4;
        need(buf, bytes, layer, binName);
        v = new float[n];
        int start = buf.position();
        for (int i = 0; i < n; i++) {
          v[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
        }
        buf.position(start + (int) bytes);
        return Tensor.of(v, n);
      }
      if (tag != 0 && tag != NcnnWeights.TAG_FP32) {
        // Quantized: a 256-entry float table, then one index byte per value (padded to 4).
        need(buf, 1024 + ((long) n + 3) / 4 * 4, layer, binName);
        v = new float[n];
        float[] table = new float[256];
        for (int i = 0; i < 256; i++) {
          table[i] = buf.getFloat();
        }
        int start = buf.position();
        for (int i = 0; i < n; i++) {
          v[i] = table[buf.get() & 0xff];
        }
        buf.position(start + (n + 3) / 4 * 4);
        return Tensor.of(v, n);
      }
    }
    need(buf, (long) n * 4, layer, binName);
    v = new float[n];
    buf.asFloatBuffer().get(v);
    buf.position(buf.position() + n * 4);
    return Tensor.of(v, n);
  }

  private static void need(ByteBuffer buf, long bytes, NcnnParam.Layer layer, String binName) {
    if (buf.remaining() < bytes) {
      throw new ModelFormatException(binName + ": truncated: layer '" + layer.name() + "' needs "
          + bytes + " more bytes at offset " + buf.position() + ", " + buf.remaining() + " remain");
    }
  }

  private static byte[] readBytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(file + ": no such file", e);
    } catch (IOException e) {
      throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
