package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
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
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per backend, on the same converted model and thread count: bare inference on a ready tensor, and
 * the pre-processing alone (a 640x480 image letterboxed into the input tensor the way
 * {@code Detector.detect} does on that backend).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BackendBenchmark {
  private static final String FIXTURE = "yolov5lite_g-default-torchscript17-raw";

  @Param({"ncnn", "onnxruntime"})
  public String backend;

  @Param({"1"})
  public int threads;

  private LoadedModel model;
  private Detector detector;
  private Tensor input;
  private BufferedImage image;
  private Path cache;

  @Setup
  public void setUp() throws Exception {
    cache = Files.createTempDirectory("reparo-bench-cache");
    Path fx = Fixtures.dir(FIXTURE);
    DetectorOptions opts = Fixtures.detectorOptions()
        .backend(BackendKind.valueOf(backend.toUpperCase(Locale.ROOT))).threads(threads).build();
    DeployedModel deployed = new ConversionCache(cache).deploy(fx.resolve("model.onnx"));
    model = Backends.find(opts.backend()).load(deployed, opts.loadOptions());
    detector = Detector.open(deployed.dir(), opts);
    input = Npy.read(fx.resolve("input.npy"));
    image = Fixtures.scene();
  }

  @Benchmark
  public Object inference() {
    return model.run(input);
  }

  @Benchmark
  public Object preprocess() {
    return detector.preprocess(image);
  }

  @TearDown
  public void tearDown() throws java.io.IOException {
    model.close();
    detector.close();
    dev.reparo.io.FileTrees.delete(cache);
  }
}
