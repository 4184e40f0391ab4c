package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.data.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dataset in the YOLO layout (data.yaml, labels/*.txt) goes wherever a COCO one does, with the same numbers. */
class YoloDatasetCommandTest {
  static final String MODEL =
      DetectAndEvalCommandTest.FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx").toString();

  static ReparoCliTest.Result run(List<String> args) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(DetectAndEvalCommandTest.META));
    return ReparoCliTest.run(all.toArray(String[]::new));
  }

  /** The metric lines, less the timing line and the areas (YOLO boxes have no COCO area, so s/m/l may differ). */
  static List<String> areaFreeLines(String out) {
    List<String> keep = new ArrayList<>();
    for (String l : out.split("\n")) {
      if (l.contains("area=   all") || l.matches("\\s*\\S+\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\S+\\s*") || l.contains("instances")) {
        keep.add(l);
      }
    }
    return keep;
  }

  @Test
  void evalOnDataYamlEqualsEvalOnTheCocoJsonOfTheSameData(@TempDir Path dir) throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), 4, (p, d, t) -> {});
    String demo = Demo.prepare(dir.resolve("demo")).model().toString(); // trained: non-trivial numbers
    ReparoCliTest.Result coco = ReparoCliTest.run("eval", "-m", demo, "--data", dir.resolve("data/annotations.json").toString(),
        "--json", dir.resolve("coco.json").toString());
    ReparoCliTest.Result yolo = ReparoCliTest.run("eval", "-m", demo, "--data", dir.resolve("data/data.yaml").toString(),
        "--json", dir.resolve("yolo.json").toString());
    assertEquals(0, coco.code(), coco.err());
    assertEquals(0, yolo.code(), yolo.err());
    List<String> a = areaFreeLines(coco.out());
    assertEquals(6 + 2 + 6, a.size(), "6 all-area lines, the header, 'all' and 6 classes:\n" + coco.out());
    assertEquals(a, areaFreeLines(yolo.out()), coco.out() + "\n" + yolo.out());
    var m1 = new ObjectMapper().readTree(dir.resolve("coco.json").toFile());
    var m2 = new ObjectMapper().readTree(dir.resolve("yolo.json").toFile());
    assertEquals(m1.get("classes"), m2.get("classes"));
    assertEquals(m1.get("summary").get("AP").asDouble(), m2.get("summary").get("AP").asDouble(), 1e-12);
    assertTrue(m1.get("summary").get("AP").asDouble() > 0.2, "the demo model finds the shapes: " + coco.out());
  }

  @Test
  void detectTakesIdsFromADataYaml(@TempDir Path dir) throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), 2, (p, d, t) -> {});
    List<String> base = List.of("detect", "-m", MODEL, "-s", dir.resolve("data/images").toString(), "--conf", "0.3");
    List<String> a = new ArrayList<>(base);
    a.addAll(List.of("--gt", dir.resolve("data/annotations.json").toString(), "--json", dir.resolve("a.json").toString()));
    List<String> b = new ArrayList<>(base);
    b.addAll(List.of("--gt", dir.resolve("data").toString(), "--json", dir.resolve("b.json").toString()));
    assertEquals(0, run(a).code());
    ReparoCliTest.Result r = run(b);
    assertEquals(0, r.code(), r.err());
    var ja = new ObjectMapper().readTree(dir.resolve("a.json").toFile());
    assertTrue(ja.size() > 0);
    assertEquals(ja, new ObjectMapper().readTree(dir.resolve("b.json").toFile()));
  }

  @Test
  void calibrateTakesTheImagesOfADataset(@TempDir Path dir) throws Exception {
    new SyntheticDataset(3).write(dir.resolve("data"), 2, (p, d, t) -> {});
    ReparoCliTest.Result r = ReparoCliTest.run("calibrate", "-m",
        DetectAndEvalCommandTest.FIXTURES.resolve("repvgg_stack-default-torchscript13/model.onnx").toString(),
        "--data", dir.resolve("data/data.yaml").toString(), "--method", "minmax", "--threads", "1",
        "--out", dir.resolve("int8").toString(), "--meta", "names=[\"a\"]", "--meta", "strides=[8]",
        "--meta", "anchors=[[10,13]]");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("on 2 images"), r.out());
    assertTrue(Files.isRegularFile(dir.resolve("int8/model.table")));
    ReparoCliTest.Result neither = ReparoCliTest.run("calibrate", "-m", "x.onnx", "--out", dir.resolve("o").toString());
    assertEquals(1, neither.code());
    assertTrue(neither.err().contains("--images DIR or --data DATA"), neither.err());
  }

  @Test
  void aBadLabelLineFailsEvalNamingFileAndLine(@TempDir Path dir) throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), 1, (p, d, t) -> {});
    Files.writeString(dir.resolve("data/labels/000000.txt"), "0 0.5 0.5 0.1 0.1\n9 0.5 0.5 0.1 0.1\n");
    ReparoCliTest.Result r = ReparoCliTest.run("eval", "--data", dir.resolve("data").toString(), "--detections",
        Files.writeString(dir.resolve("d.json"), "[]").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("000000.txt:2: class 9 is not in 'names'"), r.err());
  }
}
