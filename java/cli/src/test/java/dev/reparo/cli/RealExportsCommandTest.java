package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Progress;
import dev.reparo.data.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verbs users run on a model straight from Ultralytics' {@code yolo export}, with no
 * {@code --meta}: detect and eval print the head they chose (the raw head: detection cuts the decode
 * off the export), eval scores the trained model well above chance, calibrate writes an int8 model
 * that detect and bench then run.
 */
class RealExportsCommandTest {
  static final Path YOLOV8 = DetectAndEvalCommandTest.FIXTURES.resolve("ultralytics_yolov8t-default-onnx18/model.onnx");

  @Test
  void detectEvalCalibrateAndBenchTakeAnUltralyticsExportAsItComes(@TempDir Path dir) throws Exception {
    new SyntheticDataset(12).write(dir.resolve("data"), 8, Progress.NONE);
    String images = dir.resolve("data/images").toString();

    ReparoCliTest.Result detect = ReparoCliTest.run("detect", "-m", YOLOV8.toString(), "-s", images, "--threads", "1");
    assertEquals(0, detect.code(), detect.err());
    assertTrue(detect.out().contains("head: yolov8-raw (anchor-free raw outputs (box distribution + class logits), "
        + "one or a pair per scale, 6 classes) strides [8, 16, 32], from metadata head_layout=yolov8-raw"), detect.out());
    assertTrue(!detect.err().contains("warning"), "nothing assumed: " + detect.err());

    ReparoCliTest.Result eval = ReparoCliTest.run("eval", "-m", YOLOV8.toString(), "--dataset",
        dir.resolve("data/annotations.json").toString(), "--threads", "1");
    assertEquals(0, eval.code(), eval.err());
    String ap50 = eval.out().lines().filter(l -> l.contains("IoU=0.50      | area=   all | maxDets=100")).findFirst()
        .orElseThrow();
    assertTrue(Double.parseDouble(ap50.substring(ap50.lastIndexOf('=') + 1).strip()) > 0.3, ap50);

    Path int8 = dir.resolve("int8");
    ReparoCliTest.Result calibrate = ReparoCliTest.run("calibrate", "-m", YOLOV8.toString(), "--images", images,
        "--count", "8", "--method", "aciq", "--threads", "1", "--out", int8.toString());
    assertEquals(0, calibrate.code(), calibrate.err());
    assertTrue(Files.isRegularFile(int8.resolve("model.json")));

    ReparoCliTest.Result int8Detect = ReparoCliTest.run("detect", "-m", int8.toString(), "-s", images, "--threads", "1");
    assertEquals(0, int8Detect.code(), int8Detect.err());
    assertTrue(int8Detect.out().contains("head: yolov8"), int8Detect.out());

    ReparoCliTest.Result bench = ReparoCliTest.run("bench", "-m", YOLOV8.toString(), "--int8", int8.toString(),
        "--backends", "ncnn,ncnn-int8", "--runs", "3", "--warmup", "1", "-o", dir.resolve("bench").toString());
    assertEquals(0, bench.code(), bench.err());
    assertTrue(bench.out().contains("| ncnn-int8 |"), bench.out());
  }
}
