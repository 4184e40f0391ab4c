package dev.reparo.spark;

import dev.reparo.Progress;
import dev.reparo.backend.BackendKind;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.detect.DetectorOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: the fixture detector, synthetic images with two bad ones, a local session. */
final class SparkFixtures {
  static final Path MODEL = Path.of(System.getProperty("reparo.fixtures"),
      "yolov5lite_e-training-torchscript11-raw", "model.onnx");
  static final String METADATA = "{\"names\": [\"circle\",\"square\",\"triangle\",\"ring\",\"cross\",\"star\"],"
      + " \"strides\": [8,16,32], \"anchors\": [[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]],"
      + " \"input_size\": 320}";
  static final String RANDOM_BYTES = "zz-random.jpg";
  static final String TRUNCATED = "zz-truncated.jpg";

  private SparkFixtures() {}

  /** The fixture has random weights; at 0.9 it finds something in most images, not in all. */
  static DetectorOptions options() {
    return DetectorOptions.builder().backend(BackendKind.ONNXRUNTIME).threads(1).confThreshold(0.9f)
        .maxDetections(50)
        .metadata("names", "[\"circle\",\"square\",\"triangle\",\"ring\",\"cross\",\"star\"]")
        .metadata("strides", "[8,16,32]")
        .metadata("anchors", "[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]")
        .metadata("input_size", "320").build();
  }

  /** {@code count} seeded synthetic JPEGs plus, when asked, a file of random bytes and a truncated JPEG. */
  static Path images(Path dir, int count, boolean withBadOnes) throws IOException {
    new SyntheticDataset(11).write(dir.resolve("data"), count, Progress.NONE);
    Path images = dir.resolve("data").resolve(SyntheticDataset.IMAGES);
    if (withBadOnes) {
      byte[] noise = new byte[4000];
      new Random(5).nextBytes(noise);
      Files.write(images.resolve(RANDOM_BYTES), noise);
      byte[] jpeg = Files.readAllBytes(images.resolve(SyntheticDataset.fileName(0)));
      Files.write(images.resolve(TRUNCATED), Arrays.copyOf(jpeg, jpeg.length / 2));
    }
    return images;
  }

  /** Two worker threads; a failed task is retried once (local[threads, maxFailures]). */
  static SparkSession session() {
    SparkSession spark = SparkSession.builder().master("local[2,2]").appName("reparo-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  static Path local(String sparkPath) {
    return Path.of(URI.create(sparkPath));
  }
}
