package dev.reparo.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zip a converted model directory travels in: named by its content, holding every file. */
class ModelSourceTest {
  @Test
  void aDirectoryZipsUnderANameThatFollowsItsContent(@TempDir Path dir) throws Exception {
    Path model = Files.createDirectories(dir.resolve("m"));
    Files.writeString(model.resolve("model.json"), "{}");
    Files.write(Files.createDirectories(model.resolve("sub")).resolve("model.bin"), new byte[] {1, 2, 3});
    Path zip = ModelSource.zipOf(model);
    assertEquals(zip, ModelSource.zipOf(model), "the same content, the same zip");
    TreeMap<String, byte[]> entries = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    assertEquals(java.util.List.of("model.json", "sub/model.bin"), java.util.List.copyOf(entries.keySet()));
    assertArrayEquals(new byte[] {1, 2, 3}, entries.get("sub/model.bin"));
    Files.write(model.resolve("sub").resolve("model.bin"), new byte[] {1, 2, 4});
    assertNotEquals(zip, ModelSource.zipOf(model), "other content, another name");
    assertEquals(ModelSource.shared("/mnt/m.onnx").localPath(), Path.of("/mnt/m.onnx"));
  }
}
