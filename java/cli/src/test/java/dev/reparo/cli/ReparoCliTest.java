package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ncnn.Ncnn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
  }

  @Test
  void unknownVerbIsAUsageError() {
    Result r = run("frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("frobnicate"), r.err());
  }
}
