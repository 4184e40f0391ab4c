package dev.reparo.onnx;

import dev.reparo.graph.Graph;
import java.nio.file.Path;

/**
 * ONNX files in one call: {@code Graph g = Onnx.read(path)}, {@code Onnx.write(g, path)}. See
 * {@link OnnxReader} and {@link OnnxWriter} for what is read, written and refused. Thread-safe.
 */
public final class Onnx {
  private Onnx() {}

  /** Reads, sorts and validates the model in {@code file}; see {@link OnnxReader#read(Path)}. */
  public static Graph read(Path file) {
    return OnnxReader.read(file);
  }

  /** Writes {@code graph} to {@code file} atomically; see {@link OnnxWriter#write(Graph, Path)}. */
  public static void write(Graph graph, Path file) {
    OnnxWriter.write(graph, file);
  }
}
