package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.data.SceneGenerator;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.video.VideoInput;
import dev.reparo.video.VideoOutput;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectVideoTest {
  static final Path MODEL = DetectAndEvalCommandTest.FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx");
  static final int W = 320;
  static final int H = 256;
  static final int FRAMES = 8;

  @TempDir
  static Path dir;
  static Path clip;

  /** A short clip of synthetic scenes (the training generator's), each scaled to 320×256. */
  @BeforeAll
  static void writeClip() throws Exception {
    clip = dir.resolve("clip.mp4");
    SceneGenerator scenes = new SceneGenerator(11);
    try (VideoOutput out = new VideoOutput(clip, W, H, 10)) {
      for (int i = 0; i < FRAMES; i++) {
        BufferedImage frame = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = frame.createGraphics();
        g.drawImage(scenes.generate(i).image(), 0, 0, W, H, null);
        g.dispose();
        byte[] bgr = ((DataBufferByte) frame.getRaster().getDataBuffer()).getData();
        out.write(ByteBuffer.wrap(bgr), W, H, W * 3);
      }
      out.finish();
    }
  }

  static List<String> args(String... extra) {
    List<String> a = new ArrayList<>(List.of("detect", "-m", MODEL.toString(), "--conf", "0.5", "--max-det", "20"));
    a.addAll(Arrays.asList(DetectAndEvalCommandTest.META));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void detectOnAVideoFindsWhatTheDetectorFindsInEachDecodedFrame() throws Exception {
    Path out = dir.resolve("out");
    Path json = dir.resolve("video-dets.json");
    ReparoCliTest.Result r = ReparoCliTest.run(args("-s", clip.toString(), "-o", out.toString(), "--json",
        json.toString()).toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    for (int i = 0; i < FRAMES; i++) {
      assertTrue(r.out().contains("frame " + i + ": " + W + "x" + H + ", "), r.out());
    }
    assertTrue(r.out().contains("detections in " + FRAMES + " frames"), r.out());
    assertTrue(r.out().matches("(?s).*frames/s \\(detect only, .* frames/s end to end.*"), r.out());

    // The same frames decoded here and run through Detector.detect's zero-copy path.
    DetectorOptions.Builder b = DetectorOptions.builder().confThreshold(0.5f).maxDetections(20);
    for (int i = 0; i < DetectAndEvalCommandTest.META.length; i += 2) {
      String[] kv = DetectAndEvalCommandTest.META[i + 1].split("=", 2);
      b.metadata(kv[0], kv[1]);
    }
    List<String> expected = new ArrayList<>();
    try (Detector d = Detector.open(MODEL, b.build()); VideoInput in = VideoInput.open(clip)) {
      while (in.read()) {
        for (Detection det : d.detect(in.bgr(), in.frameWidth(), in.frameHeight(), in.stride())) {
          // Rounded as detect rounds for JSON.
          expected.add(in.frameIndex() + " " + det.label() + " " + r2(det.x1()) + " " + r2(det.y1()) + " "
              + r2(det.width()) + " " + r2(det.height()) + " " + Math.round(det.score() * 1e5) / 1e5);
        }
      }
    }
    List<String> actual = new ArrayList<>();
    for (JsonNode j : new ObjectMapper().readTree(json.toFile())) {
      JsonNode box = j.get("bbox");
      actual.add(j.get("image_id").asLong() + " " + j.get("label").asText() + " " + box.get(0).asDouble() + " "
          + box.get(1).asDouble() + " " + box.get(2).asDouble() + " " + box.get(3).asDouble() + " "
          + j.get("score").asDouble());
    }
    assertTrue(expected.size() > 0, "the fixture detector finds something in the clip");
    assertEquals(expected, actual);

    Path annotated = out.resolve("clip.mp4");
    assertTrue(Files.isRegularFile(annotated), "annotated video next to --out");
    try (VideoInput in = VideoInput.open(annotated)) {
      int n = 0;
      while (in.read()) {
        assertEquals(W, in.frameWidth());
        assertEquals(H, in.frameHeight());
        n++;
      }
      assertEquals(FRAMES, n);
      assertEquals(10.0, in.frameRate(), 1e-6, "the annotated video keeps the source's frame rate");
    }
  }

  private static double r2(float v) {
    return Math.round(v * 100) / 100.0;
  }

  @Test
  void framesLimitsHowManyFramesAreRun() throws Exception {
    Path out = dir.resolve("out3");
    ReparoCliTest.Result r = ReparoCliTest.run(args("-s", clip.toString(), "-o", out.toString(), "--frames", "3")
        .toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("detections in 3 frames"), r.out());
    try (VideoInput in = VideoInput.open(out.resolve("clip.mp4"))) {
      int n = 0;
      while (in.read()) {
        n++;
      }
      assertEquals(3, n);
    }
  }

  @Test
  void missingBrokenAndTruncatedVideosAreNamedInTheError() throws Exception {
    Path missing = dir.resolve("nothere.mp4");
    ReparoCliTest.Result r = ReparoCliTest.run(args("-s", missing.toString()).toArray(String[]::new));
    assertEquals(1, r.code());
    assertTrue(r.err().contains("reparo: " + missing + ": no such file or directory"), r.err());

    Path garbage = dir.resolve("garbage.avi");
    byte[] noise = new byte[20_000];
    new java.util.Random(5).nextBytes(noise);
    Files.write(garbage, noise);
    r = ReparoCliTest.run(args("-s", garbage.toString()).toArray(String[]::new));
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("reparo: " + garbage + ": "), r.err());

    // The first half of a real MP4: its index ('moov', written last) is missing.
    Path truncated = dir.resolve("truncated.mp4");
    byte[] whole = Files.readAllBytes(clip);
    Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
    r = ReparoCliTest.run(args("-s", truncated.toString()).toArray(String[]::new));
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("reparo: " + truncated + ": "), r.err());
  }

  @Test
  void anAbsentCameraFailsWithAClearMessage() {
    // No camera exists here; this checks the error path (real capture is untested).
    ReparoCliTest.Result r = ReparoCliTest.run(args("-s", "99", "--frames", "5").toArray(String[]::new));
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("reparo: camera 99 (/dev/video99): no such device"), r.err());
  }

  @Test
  void gtDoesNotApplyToVideos() {
    ReparoCliTest.Result r = ReparoCliTest.run(args("-s", clip.toString(), "--gt", "x.json").toArray(String[]::new));
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--gt maps image file names"), r.err());
  }
}
