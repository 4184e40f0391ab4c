package dev.reparo.testing;

import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One exported model under {@code src/test/resources/fixtures/<name>/}: {@code model.onnx} and,
 * when the export finished, {@code info.json}, {@code input.npy} and the PyTorch outputs.
 */
public record Fixture(String name, Path dir) {
  /** Every fixture directory, sorted by name. */
  public static List<Fixture> all() {
    try {
      Path root = Path.of(Fixture.class.getResource("/fixtures").toURI());
      try (Stream<Path> dirs = Files.list(root)) {
        return dirs.filter(d -> Files.isRegularFile(d.resolve("model.onnx")))
            .sorted()
            .map(d -> new Fixture(d.getFileName().toString(), d))
            .toList();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fixtures that have PyTorch reference data (info.json, input and outputs). */
  public static List<Fixture> withReferences() {
    return all().stream().filter(Fixture::hasReferences).toList();
  }

  public boolean hasReferences() {
    return Files.isRegularFile(dir.resolve("info.json")) && Files.isRegularFile(dir.resolve("input.npy"));
  }

  public Path model() {
    return dir.resolve("model.onnx");
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> info() {
    try {
      return (Map<String, Object>) Json.parse(Files.readString(dir.resolve("info.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  public String inputName() {
    return (String) ((Map<String, Object>) info().get("input")).get("name");
  }

  public Tensor input() {
    try {
      return Npy.read(dir.resolve("input.npy"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The declared outputs in order: name, shape and the PyTorch values. */
  @SuppressWarnings("unchecked")
  public List<Output> outputs() {
    List<Output> out = new ArrayList<>();
    for (Object o : (List<Object>) info().get("outputs")) {
      Map<String, Object> m = (Map<String, Object>) o;
      long[] shape = ((List<Object>) m.get("shape")).stream().mapToLong(d -> ((Double) d).longValue()).toArray();
      try {
        out.add(new Output((String) m.get("name"), shape, Npy.read(dir.resolve((String) m.get("file")))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public double tolerance(String key) {
    return (Double) ((Map<String, Object>) info().get("tolerance")).get(key);
  }

  public record Output(String name, long[] shape, Tensor reference) {}

  @Override
  public String toString() {
    return name;
  }
}
