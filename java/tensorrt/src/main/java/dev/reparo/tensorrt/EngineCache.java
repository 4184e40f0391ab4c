package dev.reparo.tensorrt;

import dev.reparo.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Serialized TensorRT engines on disk, one file per {@link EngineCacheKey}: building an engine
 * takes seconds to minutes, deserializing it milliseconds. Files are written atomically (temp +
 * rename); an empty file is treated as missing. Thread-safe: builds of the same key in this JVM
 * are serialized; across processes the last writer wins with an equivalent engine.
 */
public final class EngineCache {
  private static final ConcurrentHashMap<Path, Object> LOCKS = new ConcurrentHashMap<>();
  private final Path dir;

  public EngineCache(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** The file a key's engine lives in. */
  public Path file(EngineCacheKey key) {
    return dir.resolve(key.fileName());
  }

  /**
   * The cached engine for {@code key}, or the one {@code build} returns, stored first.
   *
   * @throws UncheckedIOException if the cache cannot be read or written
   */
  public byte[] getOrBuild(EngineCacheKey key, Supplier<byte[]> build) {
    Path file = file(key).toAbsolutePath();
    synchronized (LOCKS.computeIfAbsent(file, k -> new Object())) {
      try {
        if (Files.isRegularFile(file) && Files.size(file) > 0) {
          return Files.readAllBytes(file);
        }
        byte[] engine = build.get();
        if (engine.length == 0) {
          throw new IllegalStateException("TensorRT built an empty engine for " + key);
        }
        Files.createDirectories(dir);
        AtomicFiles.write(file, engine);
        return engine;
      } catch (IOException e) {
        throw new UncheckedIOException("engine cache " + file + ": " + e.getMessage(), e);
      }
    }
  }
}
