package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reparo.data.SceneGenerator;
import dev.reparo.video.VideoOutput;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * detect --source http://.../clip.mkv: FFmpeg reads the video from a server on 127.0.0.1. The clip
 * is Matroska, which FFmpeg reads front to back. An MP4 whose index (moov) is at its end needs
 * ranged requests (0-, the moov, back to the data): com.sun's server reset the third connection
 * before its handler ran, so that case is not tested here; the same MP4 read completely (6 frames)
 * from a small threading Python server with byte ranges, checked by hand on 2026-12-04.
 */
class VideoUrlTest {
  static final int W = 320;
  static final int H = 256;
  static final int FRAMES = 6;

  static Path writeClip(Path file) throws Exception {
    SceneGenerator scenes = new SceneGenerator(11);
    try (VideoOutput out = new VideoOutput(file, W, H, 10)) {
      for (int i = 0; i < FRAMES; i++) {
        BufferedImage frame = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = frame.createGraphics();
        g.drawImage(scenes.generate(i).image(), 0, 0, W, H, null);
        g.dispose();
        out.write(ByteBuffer.wrap(((DataBufferByte) frame.getRaster().getDataBuffer()).getData()), W, H, W * 3);
      }
      out.finish();
    }
    return file;
  }

  /** Serves the files of {@code dir} whole (no byte ranges: FFmpeg then reads the stream in order). */
  static HttpServer serve(Path dir) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      Path f = dir.resolve(ex.getRequestURI().getPath().substring(1));
      if (!Files.isRegularFile(f)) {
        ex.sendResponseHeaders(404, -1);
        ex.close();
        return;
      }
      byte[] b = Files.readAllBytes(f);
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      } catch (java.io.IOException e) {
        // the client stopped reading: nothing to do
      }
      ex.close();
    });
    server.start();
    return server;
  }

  static ReparoCliTest.Result detect(String source, Path json, Path out) {
    List<String> a = new ArrayList<>(List.of("detect", "-m",
        DetectAndEvalCommandTest.FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx").toString(),
        "--conf", "0.5", "--max-det", "20", "-s", source, "--json", json.toString(), "-o", out.toString()));
    a.addAll(List.of(DetectAndEvalCommandTest.META));
    return ReparoCliTest.run(a.toArray(String[]::new));
  }

  @Test
  void aVideoUrlGivesTheDetectionsOfTheFile(@TempDir Path dir) throws Exception {
    writeClip(dir.resolve("clip.mkv"));
    HttpServer server = serve(dir);
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/clip.mkv";
      ReparoCliTest.Result file = detect(dir.resolve("clip.mkv").toString(), dir.resolve("file.json"), dir.resolve("o1"));
      ReparoCliTest.Result remote = detect(url, dir.resolve("url.json"), dir.resolve("o2"));
      assertEquals(0, file.code(), file.err());
      assertEquals(0, remote.code(), remote.err());
      assertTrue(remote.out().contains("detections in " + FRAMES + " frames"), remote.out());
      var expected = new ObjectMapper().readTree(dir.resolve("file.json").toFile());
      assertTrue(expected.size() > 0, "the fixture finds something in the clip");
      assertEquals(expected, new ObjectMapper().readTree(dir.resolve("url.json").toFile()));
      assertTrue(Files.isRegularFile(dir.resolve("o2/clip.mp4")), "annotated video named after the URL");

      ReparoCliTest.Result missing = detect(url.replace("clip", "nope"), dir.resolve("x.json"), dir.resolve("o3"));
      assertEquals(1, missing.code());
      assertTrue(missing.err().contains("nope.mkv") && missing.err().contains("cannot open"), missing.err());
      assertFalse(Files.exists(dir.resolve("x.json")));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void streamUrlsGoToFfmpegAndImageUrlsAreFetched() {
    assertTrue(SourceResolver.isVideoUrl("rtsp://cam.local:554/stream1"));
    assertTrue(SourceResolver.isVideoUrl("https://example.invalid/a/b.MP4?token=1"));
    assertFalse(SourceResolver.isVideoUrl("https://example.invalid/a/b.jpg"));
    assertFalse(SourceResolver.isVideoUrl("clip.mp4"), "a local file is FrameSource's");
  }
}
