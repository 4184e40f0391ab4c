package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.ncnn.NativeInference;
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
 * image (letterbox, inference, decode, NMS) against the same converted model's bare inference, on
 * the bundled demo model (trained: it finds the disk in the scene, as a real model would; decode
 * and NMS under heavy candidate loads are PostProcessBenchmark's subject). Baselines:
 * {@code inferenceOnly} runs Reparo's backend on a ready input tensor (copies the input in and the
 * outputs out, as a caller of {@code LoadedModel.run} gets them); {@code nativeInference} is ncnn
 * alone, input already a native mat, outputs left native. detect / nativeInference is the overhead
 * the detector issue bounds. These run one after another, so slow drift of a shared machine enters
 * the ratio; {@link DetectOverheadRatio} alternates the two calls for a steadier figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class DetectOverheadBenchmark {
  private Detector detector;
  private LoadedModel raw;
  private Tensor input;
  private BufferedImage image;
  private Path cache;
  private NativeInference bare;

  @Setup
  public void setUp() throws Exception {
    cache = Files.createTempDirectory("reparo-bench-cache");
    DetectorOptions opts = DetectorOptions.builder().threads(1).build();
    DeployedModel deployed = new ConversionCache(cache).deploy(Fixtures.demoModel());
    detector = Detector.open(deployed.dir(), opts);
    raw = Backends.find(BackendKind.NCNN).load(deployed, opts.loadOptions());
    image = Fixtures.scene();
    input = detector.preprocess(image);
    bare = new NativeInference(deployed, 1, input);
    if (detector.detect(image).isEmpty()) {
      throw new IllegalStateException("the demo model found nothing in the benchmark scene");
    }
  }

  @Benchmark
  public Object detect() {
    return detector.detect(image);
  }

  @Benchmark
  public Object inferenceOnly() {
    return raw.run(input);
  }

  @Benchmark
  public long nativeInference() {
    return bare.run();
  }

  @TearDown
  public void tearDown() throws java.io.IOException {
    bare.close();
    detector.close();
    raw.close();
    dev.reparo.io.FileTrees.delete(cache);
  }
}
