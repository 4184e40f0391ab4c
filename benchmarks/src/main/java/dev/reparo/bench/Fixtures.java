package dev.reparo.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the benchmarks find the PyTorch-exported fixtures: -Dreparo.fixtures, else the repo's. */
final class Fixtures {
  private Fixtures() {}

  static Path dir(String name) {
    Path root = Path.of(System.getProperty("reparo.fixtures", "java/core/src/test/resources/fixtures"));
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(dir.toAbsolutePath() + " not found: run from the repository root or set "
          + "-Dreparo.fixtures=DIR");
    }
    return dir;
  }
}
