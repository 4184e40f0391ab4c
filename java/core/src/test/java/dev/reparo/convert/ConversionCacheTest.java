package dev.reparo.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.ModelMetadata;
import dev.reparo.io.Digests;
import dev.reparo.testing.Fixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conversion cache under damage and contention: artefacts are checked against their recorded
 * SHA-256 and rebuilt when they changed; threads and processes opening one model share a single
 * conversion; a conversion that fails leaves nothing behind.
 */
class ConversionCacheTest {
  private static final Path MODEL = Fixture.all().stream()
      .filter(f -> f.name().equals("repvgg_block-training-torchscript17")).findFirst().orElseThrow()
      .dir().resolve("model.onnx");

  private static List<Path> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void recordsTheSha256OfEveryArtefact(@TempDir Path root) throws IOException {
    DeployedModel m = new ConversionCache(root).deploy(MODEL);
    assertEquals(Set.of(Artefact.ONNX.key(), Artefact.NCNN_PARAM.key(), Artefact.NCNN_BIN.key()), m.sha256().keySet());
    assertEquals(List.of(Artefact.ONNX.key(), Artefact.NCNN_PARAM.key(), Artefact.NCNN_BIN.key()),
        List.copyOf(m.files().keySet()), "model.json lists the artefacts in one order on every run");
    for (Artefact a : List.of(Artefact.ONNX, Artefact.NCNN_PARAM, Artefact.NCNN_BIN)) {
      assertEquals(Digests.sha256(m.file(a)), m.sha256().get(a.key()), a.key());
    }
    DeployedModel reread = DeployedModel.read(m.dir());
    assertEquals(m.sha256(), reread.sha256());
    reread.verify();
  }

  @Test
  void theRawHeadFormIsAnEntryOfItsOwn(@TempDir Path root) throws IOException {
    Path yolov8 = fixture("ultralytics_yolov8t-default-onnx18");
    BothForms both = deployBoth(root, yolov8);
    ConversionCache cache = both.cache();
    DeployedModel raw = both.raw();
    DeployedModel decoded = both.decoded();
    assertEquals(2, cache.conversionsRun(), "neither form is taken for the other");
    assertTrue(raw.dir().getFileName().toString().endsWith(ConversionCache.RAW_HEAD_SUFFIX), raw.dir().toString());
    assertEquals(6, raw.outputNames().size(), "box and class outputs of three strides");
    assertEquals(1, decoded.outputNames().size());
    assertEquals(raw.dir(), cache.deploy(yolov8, true).dir());
    assertEquals(decoded.dir(), cache.deploy(yolov8, false).dir());
    assertEquals(2, cache.conversionsRun(), "both found again");
  }

  @Test
  void aModelTheCutDoesNotApplyToKeepsItsOutputsAndItsMetadataSaysWhy(@TempDir Path root) throws IOException {
    BothForms both = deployBoth(root, fixture("yolov5_export-default-onnx18"));
    DeployedModel asked = both.raw();
    DeployedModel plain = both.decoded();
    assertEquals(plain.outputNames(), asked.outputNames());
    assertArrayEquals(plain.outputShapes().get(0), asked.outputShapes().get(0));
    String why = asked.metadata().get(ModelMetadata.RAW_HEAD_REFUSED);
    assertTrue(why != null && why.startsWith("not an Ultralytics decoded anchor-free head: output0: "), why);
    assertNull(asked.metadata().get(ModelMetadata.HEAD_LAYOUT));
    assertNull(plain.metadata().get(ModelMetadata.RAW_HEAD_REFUSED), "asked for nothing, nothing refused");
  }

  @Test
  void corruptedArtefactIsDetectedAndRebuilt(@TempDir Path root) throws IOException {
    ConversionCache cache = new ConversionCache(root);
    DeployedModel first = cache.deploy(MODEL);
    Path bin = first.file(Artefact.NCNN_BIN);
    byte[] good = Files.readAllBytes(bin);
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 0x10;
    Files.write(bin, bad);

    ModelFormatException e = assertThrows(ModelFormatException.class, first::verify);
    assertTrue(e.getMessage().startsWith(bin + ": corrupt"), e.getMessage());

    DeployedModel rebuilt = cache.deploy(MODEL);
    assertEquals(2, cache.conversionsRun(), "the entry was converted again");
    assertArrayEquals(good, Files.readAllBytes(rebuilt.file(Artefact.NCNN_BIN)));
    rebuilt.verify();
  }

  @Test
  void damagedOrDigestlessDescriptorIsRebuilt(@TempDir Path root) throws IOException {
    ConversionCache cache = new ConversionCache(root);
    DeployedModel first = cache.deploy(MODEL);
    Path json = first.dir().resolve(DeployedModel.DESCRIPTOR);
    String text = Files.readString(json);
    Files.writeString(json, text.substring(0, text.length() / 2));
    DeployedModel second = cache.deploy(MODEL);
    assertEquals(2, cache.conversionsRun());
    second.verify();

    // a model.json from before digests were recorded: still readable, but not trusted by the cache
    String old = Files.readString(json).replaceAll("(?s)\"sha256\" : \\{[^}]*},", "");
    assertTrue(!old.contains("\"sha256\" : {"), old);
    Files.writeString(json, old);
    DeployedModel legacy = DeployedModel.read(second.dir());
    assertTrue(assertThrows(ModelFormatException.class, legacy::verify).getMessage().contains("no SHA-256"));
    DeployedModel third = cache.deploy(MODEL);
    assertEquals(3, cache.conversionsRun());
    third.verify();
    assertEquals(1, listing(root).stream().filter(Files::isDirectory).count(), "one entry: " + listing(root));
  }

  @Test
  void threadsOpeningOneModelShareOneConversion(@TempDir Path root) throws Exception {
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<ConversionCache> caches = new ArrayList<>();
      List<Future<DeployedModel>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        // each thread its own cache object over one directory, as separate Detector.open calls make
        ConversionCache cache = new ConversionCache(root);
        caches.add(cache);
        results.add(pool.submit(() -> {
          start.await();
          return cache.deploy(MODEL);
        }));
      }
      start.countDown();
      Set<Path> dirs = new HashSet<>();
      for (Future<DeployedModel> f : results) {
        DeployedModel m = f.get(120, TimeUnit.SECONDS);
        m.verify();
        dirs.add(m.dir());
      }
      assertEquals(1, dirs.size(), dirs.toString());
      assertEquals(1, caches.stream().mapToInt(ConversionCache::conversionsRun).sum(), "conversions run");
    } finally {
      pool.shutdownNow();
    }
    List<Path> left = listing(root);
    assertEquals(1, left.stream().filter(Files::isDirectory).count(), "no temporary directories left: " + left);
  }

  @Test
  void twoProcessesOpeningOneModelShareOneConversion(@TempDir Path root) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      children.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          DeployInChildProcess.class.getName(), root.toString(), MODEL.toString())
          .redirectErrorStream(true).start());
    }
    int conversions = 0;
    for (Process p : children) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), out);
      String line = out.lines().filter(l -> l.startsWith("CONVERSIONS ")).findFirst()
          .orElseThrow(() -> new AssertionError(out));
      conversions += Integer.parseInt(line.substring("CONVERSIONS ".length()));
    }
    assertEquals(1, conversions, "conversions run by the two processes together");
    ConversionCache here = new ConversionCache(root);
    here.deploy(MODEL);
    assertEquals(0, here.conversionsRun(), "this process reused it too");
  }

  @Test
  void failedConversionLeavesNothingAndKeepsAGoodModel(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    ModelConverter.convert(MODEL, out, false);
    List<Path> before = listing(out);
    List<byte[]> contents = new ArrayList<>();
    for (Path p : before) {
      contents.add(Files.readAllBytes(p));
    }
    Path broken = dir.resolve("broken.onnx");
    byte[] bytes = Files.readAllBytes(MODEL);
    Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertThrows(ModelFormatException.class, () -> ModelConverter.convert(broken, out, false));
    assertEquals(before, listing(out), "no file added, no temporary left");
    for (int i = 0; i < before.size(); i++) {
      assertArrayEquals(contents.get(i), Files.readAllBytes(before.get(i)), before.get(i) + " changed");
    }
    DeployedModel.read(out).verify();

    Path root = dir.resolve("cache");
    assertThrows(ModelFormatException.class, () -> new ConversionCache(root).deploy(broken));
    assertEquals(List.of(), listing(root).stream().filter(Files::isDirectory).toList(), "no entry, no temporary");
  }

  private static Path fixture(String name) {
    return Fixture.all().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().model();
  }

  /** The model deployed with the raw head asked for, then as exported, in one cache. */
  private record BothForms(ConversionCache cache, DeployedModel raw, DeployedModel decoded) {}

  private static BothForms deployBoth(Path root, Path model) throws IOException {
    ConversionCache cache = new ConversionCache(root);
    DeployedModel raw = cache.deploy(model, true);
    return new BothForms(cache, raw, cache.deploy(model));
  }
}
