package dev.reparo.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.data.LabeledDataset;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.detect.Detection;
import dev.reparo.detect.Detector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example against the installed Reparo artifacts: it finds the shapes that are there. */
class DetectShapesTest {
  @Test
  void findsTheShapesOfAGeneratedSample(@TempDir Path dir) throws Exception {
    new SyntheticDataset(7).write(dir.resolve("sample"), 1, null);
    LabeledDataset truth = LabeledDataset.open(dir.resolve("sample/annotations.json"));
    Path image = truth.images().get(0).file();
    List<Detection> dets = DetectShapes.detect(Path.of(System.getProperty("demo.model")), image);
    assertTrue(truth.labels().size() > 0);
    int found = 0;
    for (LabeledDataset.Label l : truth.labels()) {
      String name = truth.categories().get(l.categoryId());
      double[] b = l.bbox();
      found += dets.stream().anyMatch(d -> d.label().equals(name) && iou(d, b) > 0.5) ? 1 : 0;
    }
    assertTrue(found * 2 >= truth.labels().size(), "most shapes found: " + found + " of " + truth.labels().size()
        + ", detections " + dets);
  }

  private static double iou(Detection d, double[] b) {
    double iw = Math.min(d.x1() + d.width(), b[0] + b[2]) - Math.max(d.x1(), b[0]);
    double ih = Math.min(d.y1() + d.height(), b[1] + b[3]) - Math.max(d.y1(), b[1]);
    double inter = Math.max(0, iw) * Math.max(0, ih);
    return inter / (d.width() * d.height() + b[2] * b[3] - inter);
  }

  /** What the installed jars carry for users: module names, and a sources jar beside each. */
  @Test
  void installedJarsHaveModuleNamesAndSources() throws Exception {
    Path core = Path.of(Detector.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (JarFile jar = new JarFile(core.toFile())) {
      assertEquals("dev.reparo.core", jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
    }
    String name = core.getFileName().toString();
    assertTrue(Files.isRegularFile(core.resolveSibling(name.replace(".jar", "-sources.jar"))), "sources beside " + core);
  }
}
