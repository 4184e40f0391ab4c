package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reparo.InvalidInputException;
import dev.reparo.detect.Detection;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detect loop with stand-in decoders, detectors and encoders: no model, no native code. */
class DetectPipelineTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void noWorkerThreadOutlivesItsRun() throws InterruptedException {
    List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("reparo-decode") || t.getName().startsWith("reparo-encode")).toList();
    for (Thread t : workers) {
      t.join(2000);  // a finished pool's threads exit just after it reports termination; a leaked one never does
    }
    List<String> alive = workers.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    assertEquals(List.of(), alive, "decoder and encoder threads end with their run");
  }

  /** Image i is i+1 pixels wide, so the detector can tell which one it got. */
  private static BufferedImage image(Path file) {
    return new BufferedImage(index(file) + 1, 2, BufferedImage.TYPE_3BYTE_BGR);
  }

  private static int index(Path file) {
    String name = file.getFileName().toString();
    return Integer.parseInt(name.substring(0, name.indexOf('.')));
  }

  private static List<Path> files(Path dir, int n, String ext) {
    return IntStream.range(0, n).mapToObj(i -> dir.resolve(String.format("%04d%s", i, ext))).toList();
  }

  /** One detection per picture, its class id the picture's width - 1 (the file's index). */
  private static List<Detection> oneBox(Frame f) {
    return List.of(new Detection(0, 0, 1, 1, 0.9f, f.width() - 1, "w" + f.width()));
  }

  private DetectPipeline pipeline(DetectPipeline.Settings s, AnnotatedImages.Encoder encoder) {
    return new DetectPipeline(s, new PrintWriter(out, true), new PrintWriter(err, true), encoder);
  }

  private static DetectPipeline.Settings settings(Path outDir, int writers, boolean perLine) {
    return new DetectPipeline.Settings(0, outDir, AnnotatedImages.Format.AUTO, writers, null, perLine);
  }

  private static void sleepUpTo(int millis) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextInt(millis + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void resultsAndLinesKeepSourceOrderWithSlowUnevenDecoders(@TempDir Path dir) throws Exception {
    List<Path> files = files(dir, 300, ".jpg");
    // Four decoders taking 0-3 ms each finish out of order; every 7th image is unreadable.
    ImageFiles.Decoder decoder = f -> {
      sleepUpTo(3);
      if (index(f) % 7 == 3) {
        throw new InvalidInputException(f + ": not an image");
      }
      return image(f);
    };
    List<Integer> seen = new ArrayList<>();
    DetectPipeline.Outcome r;
    try (ImageFiles src = new ImageFiles(files, decoder, 4)) {
      r = pipeline(settings(null, 0, true), null).run(src, f -> {
        seen.add((int) f.index());
        return oneBox(f);
      }, new AtomicBoolean());
    }
    List<Integer> readable = IntStream.range(0, 300).filter(i -> i % 7 != 3).boxed().toList();
    assertEquals(readable, seen, "the detector sees the readable images in source order");
    assertEquals(readable.size(), r.count());
    assertEquals(300 - readable.size(), r.skipped());
    List<Integer> ids = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    for (JsonNode d : r.results()) {
      ids.add(d.get("image_id").asInt());
      classes.add(d.get("category_id").asInt());
    }
    assertEquals(readable.stream().map(i -> i + 1).toList(), ids, "image ids in source order");
    assertEquals(readable, classes, "each result belongs to its own image");
    String[] lines = out.toString().strip().split("\n");
    assertEquals(readable.size(), lines.length);
    for (int k = 0; k < lines.length; k++) {
      assertTrue(lines[k].startsWith(files.get(readable.get(k)) + ": "), lines[k]);
    }
    // Skips are reported in order too.
    List<String> skips = err.toString().lines().filter(l -> l.startsWith("reparo: skipping")).toList();
    assertEquals(300 - readable.size(), skips.size());
    assertTrue(skips.get(0).contains("0003.jpg") && skips.get(1).contains("0010.jpg"), skips.toString());
  }

  @Test
  void allUnreadableFailsAndWritesNothing(@TempDir Path dir) {
    List<Path> files = files(dir, 12, ".jpg");
    Path outDir = dir.resolve("out");
    CliException e = assertThrows(CliException.class, () -> {
      try (ImageFiles src = new ImageFiles(files, f -> {
        throw new InvalidInputException(f + ": truncated");
      }, 2)) {
        pipeline(settings(outDir, 2, false), AnnotatedImages::encode).run(src, DetectPipelineTest::oneBox,
            new AtomicBoolean());
      }
    });
    assertTrue(e.getMessage().contains("none of the 12 images could be read"), e.getMessage());
    assertFalse(Files.exists(outDir), "no output directory");
  }

  @Test
  void anImageThatCannotBeReadAtAllFailsTheRun(@TempDir Path dir) {
    List<Path> files = files(dir, 40, ".jpg");
    IOException e = assertThrows(IOException.class, () -> {
      try (ImageFiles src = new ImageFiles(files, f -> {
        if (index(f) == 17) {
          throw new IOException(f + ": permission denied");
        }
        return image(f);
      }, 3)) {
        pipeline(settings(null, 0, false), null).run(src, DetectPipelineTest::oneBox, new AtomicBoolean());
      }
    });
    assertTrue(e.getMessage().contains("0017.jpg: permission denied"), e.getMessage());
  }

  @Test
  void decodingAheadHoldsAtMostItsQueueOfImages(@TempDir Path dir) throws Exception {
    AtomicInteger decoded = new AtomicInteger();
    int[] worst = {0};
    try (ImageFiles src = new ImageFiles(files(dir, 200, ".png"), f -> {
      decoded.incrementAndGet();
      return image(f);
    }, 3)) {
      int ahead = src.ahead();
      assertEquals(6, ahead);
      pipeline(settings(null, 0, false), null).run(src, f -> {
        sleepUpTo(1);  // a slow detector: the decoders would run far ahead if nothing stopped them
        worst[0] = Math.max(worst[0], decoded.get() - (int) f.index());
        return List.of();
      }, new AtomicBoolean());
      assertTrue(worst[0] <= ahead, "decoded but not yet detected: " + worst[0] + " > " + ahead);
      assertTrue(worst[0] >= 2, "decoders did work ahead: " + worst[0]);
    }
  }

  /** What the decoders prepare reaches the detector with its own frame; unreadable files are not prepared. */
  @Test
  void decodersPrepareEachReadableFrameForTheDetector(@TempDir Path dir) throws Exception {
    java.util.Set<String> preparers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    AtomicInteger prepared = new AtomicInteger();
    try (ImageFiles files = new ImageFiles(files(dir, 60, ".png"), f -> {
      if (index(f) % 10 == 3) {
        throw new InvalidInputException(f + ": not an image");
      }
      return image(f);
    }, 0)) {
      ImageFiles src = files.decodingAhead(2, f -> {
        preparers.add(Thread.currentThread().getName());
        prepared.incrementAndGet();
        dev.reparo.detect.Letterbox box = dev.reparo.detect.Letterbox.fixed(f.width(), f.height(), 64, 64);
        return new Frame(f.index(), f.name(), f.file(), f.width(), f.height(), f.image(), null, 0, null,
            new dev.reparo.detect.PreparedImage(box, dev.reparo.backend.PreparedInput.of(null, dev.reparo.Tensor.zeros(1))));  // never run here
      });
      try (src) {
        DetectPipeline.Outcome r = pipeline(settings(null, 0, false), null).run(src, f -> {
          assertEquals(f.width(), f.prepared().letterbox().imageWidth(), "frame " + f.index() + " got its own preparation");
          return oneBox(f);
        }, new AtomicBoolean());
        assertEquals(54, r.count());
        assertEquals(6, r.skipped());
      }
    }
    assertEquals(54, prepared.get(), "each readable image prepared once");
    assertTrue(preparers.stream().anyMatch(n -> n.startsWith("reparo-decode")), "prepared on the decoders: " + preparers);
  }

  /** Inputs prepared ahead for frames never taken (a run cut short) are released when the source closes. */
  @Test
  void closingReleasesWhatTheDecodersPreparedAndNobodyTook(@TempDir Path dir) throws Exception {
    AtomicInteger open = new AtomicInteger();
    Frame first;
    try (ImageFiles files = new ImageFiles(files(dir, 20, ".png"), DetectPipelineTest::image, 0);
        ImageFiles src = files.decodingAhead(2, f -> {
          open.incrementAndGet();
          dev.reparo.backend.PreparedInput input = new dev.reparo.backend.PreparedInput() {
            private boolean closed;

            @Override
            public List<dev.reparo.Tensor> run() {
              return List.of();
            }

            @Override
            public void close() {
              if (!closed) {
                closed = true;
                open.decrementAndGet();
              }
            }
          };
          return new Frame(f.index(), f.name(), f.file(), f.width(), f.height(), f.image(), null, 0, null,
              new dev.reparo.detect.PreparedImage(dev.reparo.detect.Letterbox.fixed(f.width(), f.height(), 8, 8), input));
        })) {
      first = src.next();
      src.next().prepared().close();
      Thread.sleep(50);  // the decoders fill their window
    }
    assertEquals(1, open.get(), "only the frame taken and not yet closed holds its input");
    first.prepared().close();
    assertEquals(0, open.get());
  }

  @Test
  void encodingBehindHoldsAtMostItsQueueOfImages(@TempDir Path dir) throws Exception {
    AtomicInteger encoded = new AtomicInteger();
    int[] worst = {0};
    AnnotatedImages.Encoder slow = (img, dets, format) -> {
      sleepUpTo(2);
      encoded.incrementAndGet();
      return new byte[] {1};
    };
    try (ImageFiles src = new ImageFiles(files(dir, 150, ".jpg"), DetectPipelineTest::image, 2)) {
      pipeline(settings(dir.resolve("out"), 2, false), slow).run(src, f -> {
        // Frames 0 .. index-1 went to the writers; at most their queue (2 per thread) may be unwritten.
        worst[0] = Math.max(worst[0], (int) f.index() - encoded.get());
        return List.of();
      }, new AtomicBoolean());
    }
    assertTrue(worst[0] <= 4, "handed to the writers but not yet written: " + worst[0]);
    assertEquals(150, encoded.get());
    try (Stream<Path> s = Files.list(dir.resolve("out"))) {
      assertEquals(150, s.count());
    }
  }

  @Test
  void aFailedWriteStopsTheRunAndLeavesOnlyWholeFiles(@TempDir Path dir) throws Exception {
    Path outDir = dir.resolve("out");
    AtomicInteger started = new AtomicInteger();
    AnnotatedImages.Encoder failing = (img, dets, format) -> {
      started.incrementAndGet();
      if (img.getWidth() - 1 == 20) {
        throw new IOException("disk full");
      }
      sleepUpTo(3);
      return AnnotatedImages.encode(img, dets, format);
    };
    IOException e = assertThrows(IOException.class, () -> {
      try (ImageFiles src = new ImageFiles(files(dir, 200, ".jpg"), DetectPipelineTest::image, 2)) {
        pipeline(settings(outDir, 2, false), failing).run(src, DetectPipelineTest::oneBox, new AtomicBoolean());
      }
    });
    assertEquals("disk full", e.getMessage());
    assertTrue(started.get() < 60, "the run stopped soon after the failure: " + started.get() + " encodes");
    try (Stream<Path> s = Files.list(outDir)) {
      List<Path> left = s.toList();
      assertFalse(left.isEmpty());
      for (Path p : left) {
        assertTrue(p.getFileName().toString().matches("\\d{4}\\.jpg"), "no temporary file left: " + p);
        BufferedImage img = javax.imageio.ImageIO.read(p.toFile());
        assertEquals(index(p) + 1, img.getWidth(), "a whole image: " + p);
      }
      assertFalse(left.contains(outDir.resolve("0020.jpg")));
    }
  }

  @Test
  void aFailingDetectorStopsTheDecoders(@TempDir Path dir) {
    AtomicInteger decoded = new AtomicInteger();
    RuntimeException e = assertThrows(RuntimeException.class, () -> {
      try (ImageFiles src = new ImageFiles(files(dir, 500, ".jpg"), f -> {
        decoded.incrementAndGet();
        return image(f);
      }, 2)) {
        pipeline(settings(null, 0, false), null).run(src, f -> {
          if (f.index() == 10) {
            throw new IllegalStateException("native failure");
          }
          return List.of();
        }, new AtomicBoolean());
      }
    });
    assertEquals("native failure", e.getMessage());
    assertTrue(decoded.get() <= 11 + 4, "decoded no more than its queue past the failure: " + decoded.get());
  }

  @Test
  void stopAndFrameLimitEndTheRunEarly(@TempDir Path dir) throws Exception {
    try (ImageFiles src = new ImageFiles(files(dir, 100, ".jpg"), DetectPipelineTest::image, 2)) {
      DetectPipeline.Settings s = new DetectPipeline.Settings(25, null, AnnotatedImages.Format.AUTO, 0, null, false);
      DetectPipeline.Outcome r = pipeline(s, null).run(src, DetectPipelineTest::oneBox, new AtomicBoolean());
      assertEquals(25, r.count());
      assertEquals(25, r.results().size());
    }
  }

  @Test
  void serialAndPipelinedRunsGiveTheSameResults(@TempDir Path dir) throws Exception {
    List<Path> files = files(dir, 60, ".png");
    List<String> runs = new ArrayList<>();
    for (int threads : new int[] {0, 1, 3}) {
      try (ImageFiles src = new ImageFiles(files, DetectPipelineTest::image, threads)) {
        runs.add(pipeline(settings(null, 0, false), null).run(src, DetectPipelineTest::oneBox, new AtomicBoolean())
            .results().toString());
      }
    }
    assertEquals(runs.get(0), runs.get(1));
    assertEquals(runs.get(0), runs.get(2));
  }
}
