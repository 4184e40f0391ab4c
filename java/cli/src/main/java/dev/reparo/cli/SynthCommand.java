package dev.reparo.cli;

import dev.reparo.data.SceneGenerator;
import dev.reparo.data.SceneStyle;
import dev.reparo.data.SyntheticDataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reparo synth}: write a synthetic COCO detection dataset. */
@Command(name = "synth", description = {
    "Generate a synthetic COCO detection dataset: six shape classes (circle, square, triangle,",
    "ring, cross, star) on cluttered backgrounds, " + SceneGenerator.MIN_IMAGE_SIDE + "-"
        + SceneGenerator.MAX_IMAGE_SIDE + " px images, JPEG quality 95.",
    "Writes DIR/images/*.jpg and DIR/annotations.json (COCO), and the same boxes as DIR/labels/*.txt",
    "and DIR/data.yaml (YOLO); the same seed gives the same bytes."})
final class SynthCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "Folder to create (must not exist or be empty); written atomically.")
  Path out;

  @Option(names = "--count", required = true, paramLabel = "N", description = "Number of images.")
  int count;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--style", defaultValue = "varied", paramLabel = "STYLE",
      description = {"varied (default): textured and photo-like backgrounds, distractor shapes,",
          "stretched/turned/occluded shapes, lighting, blur, noise, JPEG artefacts, 8%% object-free",
          "images; classic: the original, plainer scenes (what earlier datasets were)."})
  String style;

  @Option(names = {"-q", "--quiet"}, description = "No progress line.")
  boolean quiet;

  @Override
  public void run() {
    PrintWriter err = spec.commandLine().getErr();
    int step = Math.max(1, count / 100);
    long start = System.nanoTime();
    SceneStyle sceneStyle = SceneStyle.parse(style);
    new SyntheticDataset(seed, sceneStyle).write(out, count, (phase, done, total) -> {
      if (!quiet && (done % step == 0 || done == total)) {
        err.printf("\rsynth: %d/%d images", done, total);
        err.flush();
      }
    });
    if (!quiet) {
      err.println();
    }
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.printf("wrote %d %s images (seed %d) to %s in %.1f s%n", count, sceneStyle.label(), seed, out,
        (System.nanoTime() - start) / 1e9);
    stdout.flush();
  }
}
