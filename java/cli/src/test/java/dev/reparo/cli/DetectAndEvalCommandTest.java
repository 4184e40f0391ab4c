package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.Progress;
import dev.reparo.data.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectAndEvalCommandTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));
  static final Path COCO = FIXTURES.resolveSibling("coco");
  static final String[] META = {
      "--meta", "names=[\"circle\",\"square\",\"triangle\",\"ring\",\"cross\",\"star\"]",
      "--meta", "strides=[8,16,32]",
      "--meta", "anchors=[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]"};

  @Test
  void evalOfAResultsFileMatchesPycocotools() throws Exception {
    ReparoCliTest.Result r = ReparoCliTest.run("eval", "--gt", COCO.resolve("gt.json").toString(), "--detections",
        COCO.resolve("dets.json").toString());
    assertEquals(0, r.code(), r.err());
    JsonNode expected = new ObjectMapper().readTree(COCO.resolve("expected.json").toFile());
    String[] lines = r.out().strip().split("\n");
    assertTrue(lines.length >= 12, r.out());
    for (int i = 0; i < 12; i++) {
      assertTrue(lines[i].endsWith(String.format("= %.3f", expected.get("stats").get(i).asDouble())), lines[i]);
    }
  }

  @Test
  void detectWritesAnnotatedImagesAndCocoResultsMappedToTheDataset(@TempDir Path dir) throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), 3, Progress.NONE);
    List<String> args = new ArrayList<>(List.of("detect", "-m",
        FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx").toString(),
        "-s", dir.resolve("data/images").toString(), "-o", dir.resolve("out").toString(),
        "--json", dir.resolve("dets.json").toString(), "--gt", dir.resolve("data/annotations.json").toString(),
        "--conf", "0.5", "--max-det", "20"));
    args.addAll(List.of(META));
    ReparoCliTest.Result r = ReparoCliTest.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    try (var s = Files.list(dir.resolve("out"))) {
      assertEquals(3, s.filter(p -> p.toString().endsWith(".jpg")).count(), "JPEG sources give JPEG copies");
    }
    JsonNode gt = new ObjectMapper().readTree(dir.resolve("data/annotations.json").toFile());
    JsonNode dets = new ObjectMapper().readTree(dir.resolve("dets.json").toFile());
    assertTrue(dets.isArray() && dets.size() > 0 && dets.size() <= 60, "at most 20 per image: " + dets.size());
    for (JsonNode d : dets) {
      int cat = d.get("category_id").asInt();
      String label = d.get("label").asText();
      boolean known = false;
      for (JsonNode c : gt.get("categories")) {
        known |= c.get("id").asInt() == cat && c.get("name").asText().equals(label);
      }
      assertTrue(known, "category id taken from the dataset by name: " + d);
    }
    assertTrue(r.out().contains("detections in 3 images"), r.out());

    // The same results scored by eval: it reads what detect wrote.
    ReparoCliTest.Result e = ReparoCliTest.run("eval", "--gt", dir.resolve("data/annotations.json").toString(),
        "--detections", dir.resolve("dets.json").toString());
    assertEquals(0, e.code(), e.err());
  }

  @Test
  void detectWithoutModelOrSourceExplainsWhatItNeeds() {
    ReparoCliTest.Result r = ReparoCliTest.run("detect", "-s", "x.jpg");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("needs --model and --source (or --demo)"), r.err());
  }

  static ReparoCliTest.Result detect(Path source, Path dir) {
    List<String> args = new ArrayList<>(List.of("detect", "-m",
        FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx").toString(), "-s", source.toString(),
        "--json", dir.resolve("dets.json").toString(), "--conf", "0.5"));
    args.addAll(List.of(META));
    return ReparoCliTest.run(args.toArray(String[]::new));
  }

  @Test
  void anUnreadableImageAloneFailsNamingTheFile(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("notimage.jpg"), "this is text, not a JPEG");
    ReparoCliTest.Result r = detect(bad, dir);
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("notimage.jpg"), r.err());
    assertTrue(r.err().contains("could not be read"), r.err());
    assertFalse(r.out().contains("images/s"), "no rate when nothing was timed: " + r.out());
    assertFalse(Files.exists(dir.resolve("dets.json")), "no results file for a failed run");
  }

  @Test
  void aFolderOfOnlyUnreadableImagesFails(@TempDir Path dir) throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.writeString(images.resolve("a.png"), "not a PNG");
    Files.write(images.resolve("b.jpg"), new byte[0]);
    ReparoCliTest.Result r = detect(images, dir);
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("a.png") && r.err().contains("b.jpg"), r.err());
    assertTrue(r.err().contains("none of the 2 images could be read"), r.err());
  }

  @Test
  void aMixedFolderSkipsTheUnreadableNamingEachAndCountsOnlyDecodedImages(@TempDir Path dir) throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), 2, Progress.NONE);
    Path images = dir.resolve("data/images");
    Files.writeString(images.resolve("zz-broken.jpg"), "not a JPEG");
    ReparoCliTest.Result r = detect(images, dir);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("skipping") && r.err().contains("zz-broken.jpg"), r.err());
    assertTrue(r.out().contains("detections in 2 images (1 unreadable skipped)"), r.out());
    assertTrue(Files.exists(dir.resolve("dets.json")));
  }

  @Test
  void pipelinedAndSerialRunsWriteTheSameResultsAndTheAskedFormat(@TempDir Path dir) throws Exception {
    new SyntheticDataset(9).write(dir.resolve("data"), 30, Progress.NONE);
    Path images = dir.resolve("data/images");
    Files.writeString(images.resolve("000007-broken.jpg"), "not a JPEG");
    List<String> json = new ArrayList<>();
    for (String io : List.of("0", "2")) {
      List<String> args = new ArrayList<>(List.of("detect", "-m",
          FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx").toString(), "-s", images.toString(),
          "--io-threads", io, "--threads", "1", "--conf", "0.5", "--max-det", "20",
          "-o", dir.resolve("out" + io).toString(), "--output-format", io.equals("0") ? "png" : "auto",
          "--json", dir.resolve("dets" + io + ".json").toString()));
      args.addAll(List.of(META));
      ReparoCliTest.Result r = ReparoCliTest.run(args.toArray(String[]::new));
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("detections in 30 images (1 unreadable skipped)"), r.out());
      json.add(Files.readString(dir.resolve("dets" + io + ".json")));
      try (var s = Files.list(dir.resolve("out" + io))) {
        String ext = io.equals("0") ? ".png" : ".jpg";
        assertEquals(30, s.filter(p -> p.getFileName().toString().matches("\\d{6}\\" + ext)).count(), "30 " + ext);
      }
    }
    assertEquals(json.get(0), json.get(1), "decoding ahead and encoding behind change no result");
  }

  /** WebP is not read (no fuzz-proof reader): a folder of .webp files holds no images for detect. */
  @Test
  void webpFilesAreNotTakenForImages(@TempDir Path dir) throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.write(images.resolve("a.webp"), new byte[] {'R', 'I', 'F', 'F'});
    ReparoCliTest.Result r = detect(images, dir);
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("no images (") && !r.err().contains(".webp"), r.err());
  }
}
