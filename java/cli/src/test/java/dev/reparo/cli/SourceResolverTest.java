package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reparo.data.SyntheticDataset;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** detect --source beyond files and folders: globs, list files and http URLs (served from 127.0.0.1). */
class SourceResolverTest {
  @TempDir
  Path dir;
  HttpServer server;
  final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void serveTheDatasetImages() throws Exception {
    new SyntheticDataset(5).write(dir.resolve("data"), 3, (p, d, t) -> {});
    Files.createDirectories(dir.resolve("data/images/sub"));
    Files.copy(dir.resolve("data/images/000002.jpg"), dir.resolve("data/images/sub/000009.jpg"));
    Files.writeString(dir.resolve("data/images/notes.txt"), "not an image");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      requests.incrementAndGet();
      Path f = dir.resolve("data/images").resolve(ex.getRequestURI().getPath().substring(1));
      if (ex.getRequestURI().getPath().startsWith("/moved/")) {
        ex.getResponseHeaders().add("Location", ex.getRequestURI().getPath().substring("/moved".length()));
        ex.sendResponseHeaders(302, -1);
      } else if (Files.isRegularFile(f)) {
        byte[] b = Files.readAllBytes(f);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      } else {
        ex.sendResponseHeaders(404, -1);
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + path;
  }

  static List<String> names(List<SourceResolver.ImageRef> refs) {
    return refs.stream().map(r -> r.file().getFileName().toString()).toList();
  }

  @Test
  void globsMatchImagesSortedAndOnlyWhereThePatternSays() throws Exception {
    String images = dir.resolve("data/images").toString();
    assertEquals(List.of("000000.jpg", "000001.jpg", "000002.jpg"), names(SourceResolver.resolve(images + "/*.jpg")));
    assertEquals(List.of("000001.jpg"), names(SourceResolver.resolve(images + "/00000[1].jpg")));
    assertEquals(List.of("000009.jpg"), names(SourceResolver.resolve(images + "/*/*.jpg")));
    assertEquals(4, SourceResolver.resolve(dir + "/data/**.jpg").size(), "** crosses folders");
    CliException e = assertThrows(CliException.class, () -> SourceResolver.resolve(images + "/*.png"));
    assertTrue(e.getMessage().contains("matches no images"), e.getMessage());
    assertNull(SourceResolver.resolve(images), "a folder is FrameSource's own");
  }

  @Test
  void aListFileNamesImagesRelativeToItselfAndUrls() throws Exception {
    Path list = Files.writeString(dir.resolve("data/list.txt"),
        "# two local, one remote\nimages/000001.jpg\n\n" + dir.resolve("data/images/000000.jpg") + "\n" + url("000002.jpg") + "\n");
    List<SourceResolver.ImageRef> refs = SourceResolver.resolve(list.toString());
    assertEquals(List.of("000001.jpg", "000000.jpg", "000002.jpg"), names(refs));
    assertEquals(URI.create(url("000002.jpg")), refs.get(2).url());
    Files.writeString(list, "images/000001.jpg\nimages/missing.jpg\n");
    CliException e = assertThrows(CliException.class, () -> SourceResolver.resolve(list.toString()));
    assertTrue(e.getMessage().contains("list.txt:2: no such image file images/missing.jpg"), e.getMessage());
    Files.writeString(list, "images/notes.txt\n");
    e = assertThrows(CliException.class, () -> SourceResolver.resolve(list.toString()));
    assertTrue(e.getMessage().contains("list.txt:1: images/notes.txt is not an image"), e.getMessage());
  }

  @Test
  void fetchFollowsRedirectsAndReportsHttpErrorsNamingTheUrl() throws Exception {
    byte[] local = Files.readAllBytes(dir.resolve("data/images/000001.jpg"));
    assertTrue(java.util.Arrays.equals(local, SourceResolver.fetch(URI.create(url("moved/000001.jpg")))));
    CliException e = assertThrows(CliException.class, () -> SourceResolver.fetch(URI.create(url("nope.jpg"))));
    assertTrue(e.getMessage().contains(url("nope.jpg")) && e.getMessage().contains("HTTP 404"), e.getMessage());
  }

  static ReparoCliTest.Result detect(String source, Path json, String... more) {
    List<String> args = new ArrayList<>(List.of("detect", "-m",
        DetectAndEvalCommandTest.FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw/model.onnx").toString(),
        "-s", source, "--json", json.toString(), "--conf", "0.3"));
    args.addAll(List.of(more));
    args.addAll(List.of(DetectAndEvalCommandTest.META));
    return ReparoCliTest.run(args.toArray(String[]::new));
  }

  @Test
  void detectOnUrlsAListAndAGlobFindsWhatItFindsOnTheFiles() throws Exception {
    String gt = dir.resolve("data/annotations.json").toString();
    ReparoCliTest.Result files = detect(dir.resolve("data/images").toString() + "/0*.jpg", dir.resolve("files.json"), "--gt", gt);
    assertEquals(0, files.code(), files.err());
    assertTrue(files.out().contains("in 3 images"), files.out());
    Path list = Files.writeString(dir.resolve("urls.txt"),
        url("000000.jpg") + "\n" + url("moved/000001.jpg") + "\n" + url("000002.jpg") + "\n");
    ReparoCliTest.Result remote = detect(list.toString(), dir.resolve("remote.json"), "--gt", gt, "-o", dir.resolve("out").toString());
    assertEquals(0, remote.code(), remote.err());
    assertTrue(remote.out().contains(url("000000.jpg") + ": "), "lines name the URL: " + remote.out());
    JsonNode a = new ObjectMapper().readTree(dir.resolve("files.json").toFile());
    assertTrue(a.size() > 0);
    assertEquals(a, new ObjectMapper().readTree(dir.resolve("remote.json").toFile()), "same detections, same image ids");
    assertTrue(Files.isRegularFile(dir.resolve("out/000001.jpg")), "annotated copy named after the URL's file (JPEG for a JPEG)");

    ReparoCliTest.Result one = detect(url("000001.jpg"), dir.resolve("one.json"));
    assertEquals(0, one.code(), one.err());
    assertTrue(one.out().contains("in 1 images"), one.out());
  }

  @Test
  void aMissingUrlIsSkippedNamingItAndAloneFails() throws Exception {
    Path list = Files.writeString(dir.resolve("urls.txt"), url("000000.jpg") + "\n" + url("gone.jpg") + "\n");
    ReparoCliTest.Result r = detect(list.toString(), dir.resolve("d.json"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains(url("gone.jpg") + ": HTTP 404"), r.err());
    assertTrue(r.out().contains("(1 unreadable skipped)"), r.out());
    ReparoCliTest.Result alone = detect(url("gone.jpg"), dir.resolve("e.json"));
    assertEquals(1, alone.code());
    assertTrue(alone.err().contains("HTTP 404"), alone.err());
  }
}
