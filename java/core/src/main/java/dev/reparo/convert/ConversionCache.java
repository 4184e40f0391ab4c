package dev.reparo.convert;

import dev.reparo.ModelFormatException;
import dev.reparo.Reparo;
import dev.reparo.backend.DeployedModel;
import dev.reparo.io.Digests;
import dev.reparo.io.FileTrees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Converted models on disk, keyed by the source file's SHA-256 and {@link Reparo#converterId()} (the
 * version, and for snapshots also the build time, so a rebuilt converter never reuses an older
 * build's conversion), so that
 * {@code Detector.open("model.onnx")} converts once and later opens reuse the result. An entry is
 * built in a temporary directory under a file lock and renamed into place; an entry whose
 * {@code model.json} is missing, unreadable or names another source hash, or one of whose
 * artefacts is missing or no longer matches the SHA-256 recorded for it, is rebuilt.
 *
 * <p>Thread-safe and safe across processes sharing the directory.
 */
public final class ConversionCache {
  /** File locks are per process; threads of this JVM queue on these monitors first. */
  private static final ConcurrentHashMap<Path, Object> IN_PROCESS = new ConcurrentHashMap<>();

  /** Ends the name of an entry converted with the raw head. */
  public static final String RAW_HEAD_SUFFIX = "-rawhead";

  private final Path root;
  private final AtomicInteger conversions = new AtomicInteger();

  public ConversionCache(Path root) {
    this.root = root;
  }

  /**
   * The cache in {@code $REPARO_CACHE/models} (default {@code ~/.cache/reparo/models}), or under the
   * {@code reparo.cache} system property when set.
   */
  public static ConversionCache standard() {
    String prop = System.getProperty("reparo.cache");
    String env = System.getenv("REPARO_CACHE");
    Path base = prop != null ? Path.of(prop)
        : env != null && !env.isEmpty() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "reparo");
    return new ConversionCache(base.resolve("models"));
  }

  public Path root() {
    return root;
  }

  /** How many conversions this cache object has run (entries it found valid are not counted). */
  public int conversionsRun() {
    return conversions.get();
  }

  /** The converted form of {@code onnx} with its outputs as exported; see {@link #deploy(Path, boolean)}. */
  public DeployedModel deploy(Path onnx) throws IOException {
    return deploy(onnx, false);
  }

  /**
   * The converted form of {@code onnx}, converting it first if the cache has no valid entry. With
   * {@code rawHead} the conversion cuts the decode off an Ultralytics anchor-free head where it can
   * ({@link ModelConverter#convert(Path, Path, boolean, boolean, boolean)}); the two forms are
   * separate entries (the raw one's name ends in {@value #RAW_HEAD_SUFFIX}), so neither is ever
   * taken for the other.
   */
  public DeployedModel deploy(Path onnx, boolean rawHead) throws IOException {
    String sha = Digests.sha256(onnx);
    Path entry = root.resolve(sha.substring(0, 16) + "-" + Reparo.converterId() + (rawHead ? RAW_HEAD_SUFFIX : ""));
    DeployedModel cached = valid(entry, sha);
    if (cached != null) {
      return cached;
    }
    Files.createDirectories(root);
    synchronized (IN_PROCESS.computeIfAbsent(entry.toAbsolutePath(), k -> new Object())) {
      return build(onnx, sha, entry, rawHead);
    }
  }

  private DeployedModel build(Path onnx, String sha, Path entry, boolean rawHead) throws IOException {
    DeployedModel cached;
    try (FileChannel lockFile = FileChannel.open(root.resolve(entry.getFileName() + ".lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      cached = valid(entry, sha); // another process may have built it while we waited
      if (cached != null) {
        return cached;
      }
      FileTrees.delete(entry);
      Path tmp = Files.createTempDirectory(root, "." + entry.getFileName() + "-");
      try {
        conversions.incrementAndGet();
        ModelConverter.convert(onnx, tmp, false, true, rawHead);
        try {
          Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException | DirectoryNotEmptyException e) {
          throw new IOException("cannot move converted model into " + entry + ": " + e.getMessage(), e);
        }
      } finally {
        FileTrees.delete(tmp);
      }
    }
    DeployedModel built = valid(entry, sha);
    if (built == null) {
      throw new ModelFormatException(onnx + ": conversion finished but " + entry + " is not a valid model");
    }
    return built;
  }

  private static DeployedModel valid(Path entry, String sha) {
    if (!Files.isRegularFile(entry.resolve(DeployedModel.DESCRIPTOR))) {
      return null;
    }
    try {
      DeployedModel m = DeployedModel.read(entry);
      if (!m.sourceSha256().equals(sha)) {
        return null;
      }
      m.verify();
      return m;
    } catch (IOException | RuntimeException e) {
      return null; // corrupt entry: rebuilt by the caller
    }
  }

}
