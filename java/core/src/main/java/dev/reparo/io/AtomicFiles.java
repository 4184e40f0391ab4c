package dev.reparo.io;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that readers see either the old content or the new, never a part: the bytes go
 * to a hidden temporary file beside the target, which is then renamed over it. Stateless and
 * thread-safe (concurrent writers of one target: the last rename wins).
 */
public final class AtomicFiles {
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private AtomicFiles() {}

  /** Replaces {@code target} with {@code bytes}, creating its directory if needed. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path tmp = tempBeside(target);
    try {
      Files.write(tmp, bytes);
      moveInto(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A new empty temporary file in {@code target}'s directory, readable like an ordinary output
   * file (rw-r--r--, not the owner-only mode temporary files get by default).
   */
  public static Path tempBeside(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    if (POSIX) {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    }
    return tmp;
  }

  /** Renames a finished temporary file over {@code target} in one step. */
  public static void moveInto(Path tmp, Path target) throws IOException {
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
