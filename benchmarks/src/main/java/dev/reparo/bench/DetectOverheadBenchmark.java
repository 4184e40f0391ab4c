package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.format.npy.Npy;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code Detector.detect} costs on top of the inference itself: {@code detect} on a 640x480
 * image (letterbox, inference, decode, NMS) against the same converted model's bare ncnn
 * inference on a ready input tensor. The ratio of the two is the overhead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class DetectOverheadBenchmark {
  private static final String FIXTURE = "yolov5lite_g-default-torchscript17-raw";

  private Detector detector;
  private LoadedModel raw;
  private Tensor input;
  private BufferedImage image;
  private Path cache;

  @Setup
  public void setUp() throws Exception {
    Path fx = Fixtures.dir(FIXTURE);
    cache = Files.createTempDirectory("reparo-bench-cache");
    DetectorOptions opts = Fixtures.detectorOptions().threads(1).build();
    DeployedModel deployed = new ConversionCache(cache).deploy(fx.resolve("model.onnx"));
    detector = Detector.open(deployed.dir(), opts);
    raw = Backends.find(DetectorOptions.Backend.NCNN).load(deployed, opts);
    input = Npy.read(fx.resolve("input.npy"));
    image = Fixtures.scene();
  }

  @Benchmark
  public Object detect() {
    return detector.detect(image);
  }

  @Benchmark
  public Object inferenceOnly() {
    return raw.run(input);
  }

  @TearDown
  public void tearDown() {
    detector.close();
    raw.close();
  }
}
