package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine cache keys and the cache itself; no GPU involved. */
class EngineCacheTest {
  static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  static final long[] SHAPE = {1, 3, 320, 320};

  static EngineCacheKey key() {
    return new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.FP16, "NVIDIA GeForce RTX 4090", 8, 9, "11.2.1");
  }

  @Test
  void fileNameShowsModelPrecisionGpuAndVersion() {
    String name = key().fileName();
    assertTrue(name.matches("0123456789abcdef-fp16-nvidia-geforce-rtx-4090-sm89-trt11\\.2\\.1-[0-9a-f]{8}\\.engine"),
        name);
    assertEquals(name, key().fileName(), "stable");
    assertEquals(key(), key());
  }

  @Test
  void everyFieldChangesTheFile() {
    Set<String> names = Stream.of(key(),
        new EngineCacheKey("f" + SHA.substring(1), "S", SHAPE, TensorRtPrecision.FP16, "NVIDIA GeForce RTX 4090", 8, 9,
            "11.2.1"),
        new EngineCacheKey(SHA, "S", new long[] {1, 3, 640, 640}, TensorRtPrecision.FP16, "NVIDIA GeForce RTX 4090", 8, 9,
            "11.2.1"),
        new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.INT8, "NVIDIA GeForce RTX 4090", 8, 9, "11.2.1"),
        new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.FP16, "NVIDIA H100 80GB HBM3", 9, 0, "11.2.1"),
        new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.FP16, "NVIDIA GeForce RTX 4090", 8, 6, "11.2.1"),
        new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.FP16, "NVIDIA GeForce RTX 4090", 8, 9, "11.3.0"))
        .map(EngineCacheKey::fileName).collect(Collectors.toSet());
    assertEquals(7, names.size(), names.toString());
    assertNotEquals(key().fileName(), new EngineCacheKey(SHA, "S2", SHAPE, TensorRtPrecision.FP16,
        "NVIDIA GeForce RTX 4090", 8, 9, "11.2.1").fileName(), "builder settings are part of the key");
    // Two GPU names that slug alike still get different files (the digest covers the full name).
    assertNotEquals(new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.FP32, "A100 (PCIe)", 8, 0, "11.2.1").fileName(),
        new EngineCacheKey(SHA, "S", SHAPE, TensorRtPrecision.FP32, "A100 PCIe", 8, 0, "11.2.1").fileName());
    assertThrows(IllegalArgumentException.class,
        () -> new EngineCacheKey("", "S", SHAPE, TensorRtPrecision.FP32, "gpu", 8, 0, "11.2.1"));
    IllegalArgumentException dynamic = assertThrows(IllegalArgumentException.class,
        () -> new EngineCacheKey(SHA, "S", new long[] {-1, 3, 320, 320}, TensorRtPrecision.FP32, "gpu", 8, 0, "11.2.1"));
    assertTrue(dynamic.getMessage().contains("[-1, 3, 320, 320]"), dynamic.getMessage());
  }

  @Test
  void buildsOnceThenReadsTheFile(@TempDir Path dir) throws Exception {
    EngineCache cache = new EngineCache(dir.resolve("engines"));
    AtomicInteger builds = new AtomicInteger();
    byte[] plan = {1, 2, 3, 4};
    assertArrayEquals(plan, cache.getOrBuild(key(), () -> {
      builds.incrementAndGet();
      return plan;
    }));
    assertArrayEquals(plan, Files.readAllBytes(cache.file(key())));
    assertArrayEquals(plan, cache.getOrBuild(key(), () -> {
      throw new AssertionError("must not rebuild a cached engine");
    }));
    assertEquals(1, builds.get());
    Files.write(cache.file(key()), new byte[0]); // an empty file counts as missing
    assertArrayEquals(new byte[] {9}, cache.getOrBuild(key(), () -> new byte[] {9}));
  }

  @Test
  void aFailedBuildLeavesNoFile(@TempDir Path dir) throws Exception {
    EngineCache cache = new EngineCache(dir);
    assertThrows(IllegalStateException.class, () -> cache.getOrBuild(key(), () -> new byte[0]));
    assertThrows(RuntimeException.class, () -> cache.getOrBuild(key(), () -> {
      throw new RuntimeException("parser refused");
    }));
    assertFalse(Files.exists(cache.file(key())));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(0, s.count(), "no temporary files either");
    }
  }
}
