package dev.reparo.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @Test
  void deletesNestedTreesAndIgnoresAbsentOnes(@TempDir Path dir) throws Exception {
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("a/b"));
    Files.writeString(tree.resolve("a/b/f.txt"), "x");
    Files.writeString(tree.resolve("g.txt"), "y");
    Path sibling = Files.writeString(dir.resolve("keep.txt"), "z");
    FileTrees.delete(tree);
    assertFalse(Files.exists(tree));
    assertTrue(Files.exists(sibling), "only the tree goes");
    FileTrees.delete(tree); // absent: nothing to do, no exception
  }
}
