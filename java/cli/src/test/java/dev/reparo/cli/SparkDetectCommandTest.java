package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spark-detect from the CLI jar's class path, which has no Spark: help and input errors still
 * work, and running says how to get Spark. The Spark run itself is tested in java/spark.
 */
class SparkDetectCommandTest {
  @Test
  void helpTeachesTheVerbWithoutSpark() {
    ReparoCliTest.Result r = ReparoCliTest.run("spark-detect", "--help");
    assertEquals(0, r.code(), r.err());
    for (String s : new String[] {"--master", "--partitions", "--source", "status 'none'", "threads x executor cores",
        "spark-detect -m yolo.onnx -s photos/ -o dets.parquet", "spark-submit", "--shared-model"}) {
      assertTrue(r.out().replaceAll("\\s+", " ").contains(s), s + " in:\n" + r.out()); // as if unwrapped
    }
  }

  @Test
  void missingModelIsAnErrorBeforeSparkStarts(@TempDir Path dir) {
    ReparoCliTest.Result r = ReparoCliTest.run("spark-detect", "-m", dir.resolve("no.onnx").toString(), "-s",
        dir.toString(), "-o", dir.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no.onnx: no such model file or directory"), r.err());
  }

  @Test
  void theModelIsEitherShippedOrShared(@TempDir Path dir) throws Exception {
    Path model = Files.writeString(dir.resolve("m.onnx"), "not read");
    for (String[] modelArgs : new String[][] {{}, {"-m", model.toString(), "--shared-model", "/mnt/m.onnx"}}) {
      String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("spark-detect", "-s", dir.toString(),
          "-o", dir.resolve("o").toString()), java.util.Arrays.stream(modelArgs)).toArray(String[]::new);
      ReparoCliTest.Result r = ReparoCliTest.run(args);
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains("either -m/--model (shipped) or --shared-model"), r.err());
    }
  }

  @Test
  void withoutSparkOnTheClassPathItSaysHowToRunIt(@TempDir Path dir) throws Exception {
    Path model = Files.writeString(dir.resolve("m.onnx"), "not read");
    ReparoCliTest.Result r = ReparoCliTest.run("spark-detect", "-m", model.toString(), "-s", dir.toString(), "-o",
        dir.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("spark-detect needs Apache Spark on the class path"), r.err());
    assertTrue(Files.notExists(dir.resolve("o")));
  }

  @Test
  void theSummaryCountsDecodedImagesAndFailsWhenNoneWasReadable() {
    java.io.StringWriter text = new java.io.StringWriter();
    java.io.PrintWriter o = new java.io.PrintWriter(text);
    SparkDetectCommand.report(new dev.reparo.spark.SparkDetectJob.Summary(10, 25, 2, 3, 2.0, "d.parquet", "local[2]"), o);
    assertTrue(text.toString().startsWith("7 images: 25 detections, 2 without detections, 3 unreadable"), text.toString());
    assertTrue(text.toString().contains("; 3.5 images/s"), text.toString());
    java.io.StringWriter none = new java.io.StringWriter();
    CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class, () -> SparkDetectCommand.report(
        new dev.reparo.spark.SparkDetectJob.Summary(4, 0, 0, 4, 1.0, "d.parquet", "local[2]"), new java.io.PrintWriter(none)));
    assertTrue(e.getMessage().contains("none of the 4 images could be read"), e.getMessage());
    assertTrue(!none.toString().contains("images/s"), "no rate without a decoded image: " + none);
  }
}
