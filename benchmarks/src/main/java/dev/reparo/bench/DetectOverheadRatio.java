package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.io.FileTrees;
import dev.reparo.ncnn.NativeInference;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * detect() over bare ncnn inference, measured by alternating the calls (A, B, A, B, ...) so that a
 * shared machine's drift hits both alike; JMH's DetectOverheadBenchmark runs them one after the
 * other. Three timings per round, on the demo model and the 640x480 scene, 1 thread:
 * detect; ncnn inference on the tensor it was last given (hot in the caches); and ncnn inference
 * right after the frame was letterboxed, untimed, into its input (the caches detect's inference
 * meets). A fourth timing is a hand-written ncnn pipeline: ncnn's own from_pixels_resize,
 * copy_make_border and substract_mean_normalize, then the inference. Prints medians and ratios.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.reparo.bench.DetectOverheadRatio [ROUNDS]</pre>
 */
public final class DetectOverheadRatio {
  private DetectOverheadRatio() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    Path cache = Files.createTempDirectory("reparo-bench-cache");
    try {
      DetectorOptions opts = DetectorOptions.builder().threads(1).build();
      DeployedModel deployed = new ConversionCache(cache).deploy(Fixtures.demoModel());
      BufferedImage image = Fixtures.scene();
      ByteBuffer pixels = ByteBuffer.wrap(((DataBufferByte) image.getRaster().getDataBuffer()).getData());
      try (Detector detector = Detector.open(deployed.dir(), opts)) {
        Tensor input = detector.preprocess(image);
        ImagePreprocessing pre = detector.task().preprocessing();
        ImageInput frame = pre.input(pre.letterbox(image.getWidth(), image.getHeight()));
        try (NativeInference hot = new NativeInference(deployed, 1, input);
            NativeInference fresh = new NativeInference(deployed, 1, input);
            NativeInference handWritten = new NativeInference(deployed, 1, input)) {
          double[][] ms = new double[4][rounds];
          for (int r = -rounds / 5; r < rounds; r++) { // the first fifth warms up, untimed
            long t0 = System.nanoTime();
            detector.detect(image);
            long t1 = System.nanoTime();
            hot.run();
            long t2 = System.nanoTime();
            fresh.letterbox(pixels, image.getWidth(), image.getHeight(), image.getWidth() * 3, frame);
            long t3 = System.nanoTime();
            fresh.run();
            long t4 = System.nanoTime();
            handWritten.letterboxByNcnnCalls(pixels, image.getWidth(), image.getHeight(), image.getWidth() * 3, frame);
            handWritten.run();
            long t5 = System.nanoTime();
            if (r >= 0) {
              ms[0][r] = (t1 - t0) / 1e6;
              ms[1][r] = (t2 - t1) / 1e6;
              ms[2][r] = (t4 - t3) / 1e6;
              ms[3][r] = (t5 - t4) / 1e6;
            }
          }
          double detect = Medians.of(ms[0]);
          double hotMs = Medians.of(ms[1]);
          double freshMs = Medians.of(ms[2]);
          double handMs = Medians.of(ms[3]);
          System.out.printf("%d alternating rounds, demo model, 640x480 frame, 1 thread (medians):%n", rounds);
          System.out.printf("  detect()                                   %7.3f ms%n", detect);
          System.out.printf("  ncnn inference, same tensor (hot caches)   %7.3f ms   detect / it = %.3f%n", hotMs,
              detect / hotMs);
          System.out.printf("  ncnn inference after a fresh letterbox     %7.3f ms   detect / it = %.3f%n", freshMs,
              detect / freshMs);
          System.out.printf("  ncnn's letterbox calls + inference         %7.3f ms   detect / it = %.3f%n", handMs,
              detect / handMs);
        }
      }
    } finally {
      FileTrees.delete(cache);
    }
  }
}
