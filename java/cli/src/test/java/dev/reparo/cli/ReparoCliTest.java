package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ncnn.Ncnn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReparoCliTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = ReparoCli.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void versionReportsReparoNcnnAndThreads() {
    Result r = run("version");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("ncnn     " + Ncnn.version()), r.out());
    assertTrue(r.out().matches("(?s).*threads  \\d+ .*"), r.out());
    assertTrue(r.out().matches("(?s)reparo   \\d+\\.\\d+\\.\\d+.*"), r.out());
  }

  @Test
  void helpListsTheVerbs() {
    Result r = run("--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("version"), r.out());
    assertTrue(r.out().contains("synth"), r.out());
  }

  @Test
  void everyVerbAnswersHelpWithItsUsageOnUnwrappedLines() {
    for (String verb : new String[] {"detect", "eval", "convert", "calibrate", "infer", "bench", "synth"}) {
      Result r = run(verb, "--help");
      assertEquals(0, r.code(), verb + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: reparo " + verb + " [-h"), verb + ": " + r.out());
      assertFalse(r.err().contains("WARN"), verb + ": a description picocli could not format: " + r.err());
    }
    // bench's first description line is 87 characters: it must not be broken at 80 columns
    assertTrue(run("bench", "-h").out().contains("model load time, p50/p90/p99\n"), run("bench", "-h").out());
  }

  @Test
  void synthWritesADatasetWithProgress(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("shapes");
    Result r = run("synth", "--out", out.toString(), "--count", "3", "--seed", "4");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("synth: 3/3 images"), r.err());
    assertTrue(r.out().contains("wrote 3 varied images (seed 4)"), r.out()); // varied is the default
    assertTrue(Files.isRegularFile(out.resolve("images/000002.jpg")));
    assertTrue(Files.readString(out.resolve("annotations.json")).contains("\"name\":\"star\""));

    Result again = run("synth", "--out", out.toString(), "--count", "3");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("not empty"), again.err());

    Path classic = tmp.resolve("classic");
    Result c = run("synth", "--out", classic.toString(), "--count", "2", "--seed", "4", "--style", "classic", "-q");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("wrote 2 classic images (seed 4)"), c.out());
    // classic is the generator's old output, byte for byte the Java API's default
    Path api = tmp.resolve("api");
    new dev.reparo.data.SyntheticDataset(4).write(api, 2, dev.reparo.Progress.NONE);
    assertArrayEquals(Files.readAllBytes(api.resolve("images/000001.jpg")),
        Files.readAllBytes(classic.resolve("images/000001.jpg")));

    Result bad = run("synth", "--out", tmp.resolve("bad").toString(), "--count", "2", "--style", "fancy");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("unknown scene style 'fancy'"), bad.err());
  }

  @Test
  void evalScoresPerfectDetectionsAsOne(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("shapes");
    assertEquals(0, run("synth", "--out", out.toString(), "--count", "2", "--seed", "8", "-q").code());
    // the ground truth itself, as detections: every class present scores 1
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode gt = json.readTree(out.resolve("annotations.json").toFile());
    com.fasterxml.jackson.databind.node.ArrayNode dets = json.createArrayNode();
    for (com.fasterxml.jackson.databind.JsonNode a : gt.get("annotations")) {
      dets.addObject().put("image_id", a.get("image_id").asLong()).put("category_id", a.get("category_id").asInt())
          .put("score", 0.9).set("bbox", a.get("bbox"));
    }
    Path detFile = tmp.resolve("dets.json");
    json.writeValue(detFile.toFile(), dets);
    Result r = run("eval", "--gt", out.resolve("annotations.json").toString(), "--detections", detFile.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000"), r.out());

    Result bad = run("eval", "--gt", detFile.toString(), "--detections", detFile.toString());
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("dets.json"), bad.err());
  }

  @Test
  void unknownVerbIsAUsageError() {
    Result r = run("frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("frobnicate"), r.err());
  }
}
