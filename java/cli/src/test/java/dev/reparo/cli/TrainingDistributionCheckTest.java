package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Progress;
import dev.reparo.backend.DeployedModel;
import dev.reparo.convert.ModelLocator;
import dev.reparo.data.SceneStyle;
import dev.reparo.data.SyntheticDataset;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.quant.DistributionShift;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * calibrate's training-distribution check on the bundled demo model (training form, 52 BatchNorms):
 * quiet on scenes like its training images, a warning on noise images, and an explanation instead
 * of numbers for a model whose BatchNorms are fused.
 */
class TrainingDistributionCheckTest {
  @TempDir
  static Path dir;
  static Path model;
  static DeployedModel fp32;
  static ImagePreprocessing pre;

  @BeforeAll
  static void demo() throws Exception {
    model = Demo.prepare(dir.resolve("demo")).model();
    fp32 = ModelLocator.locate(model);
    pre = DetectionTask.forModel(fp32, DetectorOptions.builder().build()).preprocessing();
  }

  private static List<Path> images(Path folder) throws Exception {
    try (Stream<Path> s = Files.list(folder)) {
      return s.sorted().toList();
    }
  }

  @Test
  void scenesLikeTheTrainingImagesPass() throws Exception {
    Path data = dir.resolve("synthetic");
    // unseen seed; the demo model is trained on varied scenes (seed 1)
    new SyntheticDataset(9, SceneStyle.VARIED).write(data, 16, Progress.NONE);
    TrainingDistributionCheck.Outcome o = TrainingDistributionCheck.measure(model, pre,
        images(data.resolve(SyntheticDataset.IMAGES)));
    assertNull(o.unavailable());
    DistributionShift.Report r = o.report();
    assertEquals(16, r.images());
    assertEquals(52, r.layers().size(), "every BatchNorm of the demo model is compared");
    assertFalse(r.unlike(), r.toString());
    // well inside the limits, not just under them
    assertTrue(r.meanShift() < DistributionShift.MEAN_SHIFT_LIMIT / 2, r.toString());
    assertTrue(r.varianceChange() < DistributionShift.VARIANCE_CHANGE_LIMIT / 2, r.toString());
  }

  /**
   * The numbers against an independent oracle: PyTorch forward hooks on the same pixels
   * (tools/train/bn_shift.py --weights demo.onnx --images DIR --count 16 on these 16 PNGs: 0.10824, 0.27040
   * for the committed demo model; retraining it changes them). 320x320 crops, so that no resampling
   * (Pillow's and Reparo's letterboxes differ) comes between the two.
   */
  @Test
  void numbersMatchPytorchOnTheSamePixels() throws Exception {
    Path crops = Files.createDirectories(dir.resolve("crops"));
    dev.reparo.data.SceneGenerator g = new dev.reparo.data.SceneGenerator(9, SceneStyle.VARIED);
    for (int i = 0; i < 16; i++) {
      ImageIO.write(g.generate(i).image().getSubimage(0, 0, 320, 320), "png",
          crops.resolve(String.format("%02d.png", i)).toFile());
    }
    DistributionShift.Report r = TrainingDistributionCheck.measure(model, pre, images(crops)).report();
    assertEquals(16, r.images());
    assertEquals(0.10824, r.meanShift(), 0.002, r.toString());
    assertEquals(0.27040, r.varianceChange(), 0.002, r.toString());
  }

  @Test
  void noiseImagesAreFlagged() throws Exception {
    Path noise = Files.createDirectories(dir.resolve("noise"));
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 12; i++) {
      BufferedImage image = new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR);
      for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
          image.setRGB(x, y, random.nextInt(1 << 24));
        }
      }
      ImageIO.write(image, "png", noise.resolve(String.format("n%02d.png", i)).toFile());
    }
    DistributionShift.Report r = TrainingDistributionCheck.measure(model, pre, images(noise)).report();
    assertNotNull(r);
    assertTrue(r.unlike(), r.toString());
    assertEquals(3, r.worst(3).size());
  }

  @Test
  void aConvertedModelHasNoStatisticsToCompare() throws Exception {
    Path data = dir.resolve("few");
    new SyntheticDataset(4, SceneStyle.VARIED).write(data, 2, Progress.NONE);
    List<Path> imgs = new ArrayList<>(images(data.resolve(SyntheticDataset.IMAGES)));
    TrainingDistributionCheck.Outcome o = TrainingDistributionCheck.measure(fp32.dir(), pre, imgs);
    assertNull(o.report());
    assertTrue(o.unavailable().contains("converted"), o.unavailable());
    // the fused ONNX that conversion wrote: an .onnx, but its BatchNorms are folded away
    TrainingDistributionCheck.Outcome fused = TrainingDistributionCheck.measure(
        fp32.file(dev.reparo.backend.Artefact.ONNX), pre, imgs);
    assertNull(fused.report());
    assertTrue(fused.unavailable().contains("no BatchNormalization"), fused.unavailable());
  }
}
