package dev.reparo.bench;

import dev.reparo.Tensor;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.PostProcessor;
import dev.reparo.detect.YoloHead;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decode + class-aware NMS of a 320x320 three-scale YOLOv5 head (6 classes, 6 300 anchors) with
 * 0, 100 or 5 000 anchors above the confidence threshold (the rest far below it, as in real
 * outputs).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class PostProcessBenchmark {
  @Param({"0", "100", "5000"})
  public int candidates;

  private PostProcessor post;
  private List<Tensor> outputs;
  private final Letterbox box = Letterbox.fixed(640, 480, 320, 320);

  @Setup
  public void setUp() {
    YoloHead head = YoloHead.of(6, new int[] {8, 16, 32}, new float[][][] {
        {{10, 13}, {16, 30}, {33, 23}}, {{30, 61}, {62, 45}, {59, 119}}, {{116, 90}, {156, 198}, {373, 326}}});
    post = new PostProcessor(dev.reparo.detect.DetectionHead.anchorBased(head), List.of("a", "b", "c", "d", "e", "f"));
    Random r = new Random(1);
    int[] sides = {40, 20, 10};
    List<float[]> data = new ArrayList<>();
    List<Integer> anchorsAt = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      int plane = sides[s] * sides[s];
      float[] d = new float[33 * plane];
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) r.nextGaussian();
      }
      for (int a = 0; a < 3; a++) {
        for (int cell = 0; cell < plane; cell++) {
          d[(a * 11 + 4) * plane + cell] = -8f; // objectness far below logit(0.25)
          anchorsAt.add(s << 24 | a << 16 | cell);
        }
      }
      data.add(d);
    }
    java.util.Collections.shuffle(anchorsAt, r);
    for (int i = 0; i < candidates; i++) {
      int code = anchorsAt.get(i);
      int s = code >>> 24;
      int a = (code >>> 16) & 0xff;
      int cell = code & 0xffff;
      int plane = sides[s] * sides[s];
      data.get(s)[(a * 11 + 4) * plane + cell] = 4f;
      data.get(s)[(a * 11 + 5 + r.nextInt(6)) * plane + cell] = 4f;
    }
    outputs = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      outputs.add(Tensor.of(data.get(s), 1, 33, sides[s], sides[s]));
    }
  }

  @Benchmark
  public Object decodeAndNms() {
    return post.process(outputs, box, 0.25f, 0.45f, 300, false, null);
  }
}
