package dev.reparo.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reparo.ModelFormatException;
import dev.reparo.io.AtomicFiles;
import dev.reparo.io.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A converted model as {@code reparo convert} leaves it in a directory: the fused ONNX, the ncnn
 * param/bin, and {@code model.json} describing the input, the outputs (in order) and the model's
 * metadata. Backends load the artefact they understand. Immutable and thread-safe.
 *
 * <pre>
 * {"format": "reparo-model/1", "reparo": "0.1.0", "source": {"file": "demo.onnx", "sha256": "…"},
 *  "input": {"name": "images", "shape": [1, 3, 320, 320]},
 *  "outputs": [{"name": "p3", "shape": [1, 33, 40, 40]}, …],
 *  "files": {"onnx": "model.fused.onnx", "ncnn_param": "model.param", "ncnn_bin": "model.bin"},
 *  "sha256": {"onnx": "…", "ncnn_param": "…", "ncnn_bin": "…"},
 *  "ncnn_fp16": false, "metadata": {"names": "[…]", …}}
 * </pre>
 *
 * @param files artefact kind ({@link Artefact#key()}) → file name in {@code dir}
 * @param sha256 artefact kind → SHA-256 of the file as written (hex); {@link #verify()} checks the
 *     files against it. Empty for a {@code model.json} written before digests were recorded.
 */
public record DeployedModel(Path dir, String sourceFile, String sourceSha256, String inputName, long[] inputShape,
    List<String> outputNames, List<long[]> outputShapes, Map<String, String> files, Map<String, String> sha256,
    boolean ncnnFp16, Map<String, String> metadata) {
  public static final String FORMAT = "reparo-model/1";
  public static final String DESCRIPTOR = "model.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public DeployedModel {
    outputNames = List.copyOf(outputNames);
    outputShapes = List.copyOf(outputShapes);
    files = ordered(files);
    sha256 = ordered(sha256);
    metadata = ordered(metadata);
  }

  /** An unmodifiable copy in the given order (so model.json is the same on every run); no nulls. */
  private static Map<String, String> ordered(Map<String, String> m) {
    Map.copyOf(m); // rejects null keys and values
    return Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  /** The path of one artefact, or throws naming what is missing. */
  public Path file(Artefact artefact) {
    return file(artefact.key());
  }

  /** True when the model lists {@code artefact}. */
  public boolean has(Artefact artefact) {
    return files.containsKey(artefact.key());
  }

  private Path file(String kind) {
    String name = files.get(kind);
    if (name == null) {
      throw new ModelFormatException(dir.resolve(DESCRIPTOR) + ": has no '" + kind + "' artefact (re-run reparo convert)");
    }
    Path p = dir.resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new ModelFormatException(p + ": listed in " + DESCRIPTOR + " but missing");
    }
    return p;
  }

  /**
   * Checks every artefact against the SHA-256 recorded when it was written.
   *
   * @throws ModelFormatException naming the first artefact that is missing, has no recorded digest,
   *     or whose content changed since (a corrupt or half-replaced model)
   */
  public void verify() throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = file(f.getKey());
      String want = sha256.get(f.getKey());
      if (want == null) {
        throw new ModelFormatException(dir.resolve(DESCRIPTOR) + ": records no SHA-256 for '" + f.getValue()
            + "' (written by an older Reparo; re-run reparo convert)");
      }
      String got = Digests.sha256(p);
      if (!got.equals(want)) {
        throw new ModelFormatException(p + ": corrupt: its SHA-256 is " + got + ", " + DESCRIPTOR + " recorded "
            + want);
      }
    }
  }

  /** Reads {@code dir/model.json}. */
  public static DeployedModel read(Path dir) throws IOException {
    Path json = dir.resolve(DESCRIPTOR);
    if (!Files.isRegularFile(json)) {
      throw new ModelFormatException(json + ": not found; a converted model directory holds a " + DESCRIPTOR
          + " written by reparo convert");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(json + ": not valid JSON: " + e.getMessage());
    }
    String format = root.path("format").asText();
    if (!FORMAT.equals(format)) {
      throw new ModelFormatException(json + ": format '" + format + "' is not " + FORMAT);
    }
    JsonNode in = root.path("input");
    List<String> outNames = new ArrayList<>();
    List<long[]> outShapes = new ArrayList<>();
    for (JsonNode o : root.path("outputs")) {
      outNames.add(text(o, "name", json));
      outShapes.add(shape(o.path("shape"), json));
    }
    if (outNames.isEmpty()) {
      throw new ModelFormatException(json + ": lists no outputs");
    }
    Map<String, String> files = new LinkedHashMap<>();
    root.path("files").fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
    for (String f : files.values()) {
      if (f.contains("/") || f.contains("\\") || f.startsWith(".")) {
        throw new ModelFormatException(json + ": artefact name '" + f + "' must be a plain file name");
      }
    }
    Map<String, String> digests = new LinkedHashMap<>();
    root.path("sha256").fields().forEachRemaining(e -> digests.put(e.getKey(), e.getValue().asText()));
    Map<String, String> meta = new LinkedHashMap<>();
    root.path("metadata").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
    return new DeployedModel(dir, root.path("source").path("file").asText(""),
        root.path("source").path("sha256").asText(""), text(in, "name", json), shape(in.path("shape"), json),
        outNames, outShapes, files, digests, root.path("ncnn_fp16").asBoolean(false), meta);
  }

  /** Writes {@code dir/model.json} atomically. */
  public void write(String reparoVersion) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("reparo", reparoVersion);
    ObjectNode src = root.putObject("source");
    src.put("file", sourceFile);
    src.put("sha256", sourceSha256);
    ObjectNode in = root.putObject("input");
    in.put("name", inputName);
    putShape(in.putArray("shape"), inputShape);
    ArrayNode outs = root.putArray("outputs");
    for (int i = 0; i < outputNames.size(); i++) {
      ObjectNode o = outs.addObject();
      o.put("name", outputNames.get(i));
      putShape(o.putArray("shape"), outputShapes.get(i));
    }
    ObjectNode f = root.putObject("files");
    files.forEach(f::put);
    ObjectNode d = root.putObject("sha256");
    sha256.forEach(d::put);
    root.put("ncnn_fp16", ncnnFp16);
    ObjectNode m = root.putObject("metadata");
    metadata.forEach(m::put);
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(dir.resolve(DESCRIPTOR), bytes);
  }

  private static void putShape(ArrayNode a, long[] shape) {
    for (long d : shape) {
      a.add(d);
    }
  }

  private static String text(JsonNode n, String field, Path json) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new ModelFormatException(json + ": missing '" + field + "'");
    }
    return v.asText();
  }

  private static long[] shape(JsonNode n, Path json) {
    if (!n.isArray()) {
      throw new ModelFormatException(json + ": a shape must be a list of integers, got " + n);
    }
    long[] s = new long[n.size()];
    for (int i = 0; i < s.length; i++) {
      if (!n.get(i).canConvertToLong() || n.get(i).asLong() < -1) {
        throw new ModelFormatException(json + ": a shape must be a list of integers, got " + n);
      }
      s[i] = n.get(i).asLong();
    }
    return s;
  }
}
