package dev.reparo.ncnn.presets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download and prerequisite steps of native/, run as the build runs them. */
class NativeBuildScriptsTest {
  private static final Path ROOT = Path.of(System.getProperty("reparo.root", "..")).toAbsolutePath().normalize();

  private record Run(int code, String out, String err) {}

  private static Run run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("reparo-out", ".txt");
    Path err = Files.createTempFile("reparo-err", ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + String.join(" ", command));
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String lock(String key) throws IOException {
    return Files.readAllLines(ROOT.resolve("native/ncnn.lock")).stream()
        .filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow().substring(key.length() + 1);
  }

  private static List<Path> archives(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tar.gz")).toList();
    }
  }

  @Test
  void downloadsThePinnedSourceReleaseWithPipAndVerifiesIt(@TempDir Path dest) throws Exception {
    Run r = run(Map.of(), "bash", "native/fetch-ncnn.sh", "--dest", dest.toString());
    assertEquals(0, r.code(), r.err());
    Path archive = Path.of(r.out().strip());
    assertEquals(dest.resolve("ncnn-" + lock("NCNN_VERSION") + ".tar.gz"), archive);
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive));
    assertEquals(lock("NCNN_SHA256"), HexFormat.of().formatHex(digest));
  }

  @Test
  void refusesAnArchiveWhoseChecksumDiffersAndKeepsNothing(@TempDir Path dest) throws Exception {
    String wrong = "0".repeat(64);
    Run r = run(Map.of(), "bash", "native/fetch-ncnn.sh", "--dest", dest.toString(), "--sha256", wrong);
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("sha256 mismatch") && r.err().contains(wrong), r.err());
    assertEquals(List.of(), archives(dest));
  }

  /** With cmake, compilers and python3 off the PATH, the build names them all and how to install them. */
  @Test
  void missingPrerequisitesFailWithOneMessage(@TempDir Path bin) throws Exception {
    for (String tool : List.of("bash", "dirname", "nproc", "uname", "tr")) {
      Path real = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable)
          .findFirst().orElseThrow();
      Files.createSymbolicLink(bin.resolve(tool), real);
    }
    Run r = run(Map.of("PATH", bin.toString()), bin.resolve("bash").toString(), "native/build-ncnn.sh");
    assertEquals(1, r.code(), r.err());
    String message = r.err();
    assertTrue(message.contains("missing prerequisites: cmake cc c++ python3"), message);
    assertTrue(message.contains("apt-get install -y cmake gcc g++ python3"), message);
    assertTrue(message.lines().count() <= 3, "one short message, got:\n" + message);
    assertTrue(!message.contains("CMake Error"), message);
  }
}
