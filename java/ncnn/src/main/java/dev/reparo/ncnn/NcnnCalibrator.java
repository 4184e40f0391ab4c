package dev.reparo.ncnn;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Progress;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.DetectionTask;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.ImagePreprocessing;
import dev.reparo.format.ncnn.NcnnFiles;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.image.ImageLoader;
import dev.reparo.quant.ActivationHistogram;
import dev.reparo.quant.CalibrationMethod;
import dev.reparo.quant.CalibrationTable;
import dev.reparo.quant.Int8Lowering;
import dev.reparo.quant.QuantizableLayer;
import dev.reparo.quant.Thresholds;
import dev.reparo.quant.WeightScaling;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Post-training int8 calibration of a converted model on ncnn, in the two passes of ncnn's and
 * TensorRT's entropy calibrators: pass 1 runs the FP32 model on every calibration image (with the
 * {@link dev.reparo.detect.DetectionTask}'s pre-processing) and records the largest |x| of each quantizable layer's
 * input blob; pass 2 runs them again and fills a 2048-bin histogram per blob over that range.
 * Memory is bounded by the histograms: no activation outlives its image. The thresholds then come
 * from {@link Thresholds} (KL, ACIQ, min-max, percentile) or, for EQ, from a per-layer search:
 * each layer alone is run in int8 by ncnn at a range of thresholds on a few images' real inputs,
 * and the threshold whose output is closest (cosine) to the FP32 output wins.
 *
 * <p>Images are spread over worker threads (one ncnn thread each); per-worker statistics are
 * combined with order-independent operations (max, integer sums) and per-image results are summed
 * in image order, so the same images give the same table on any number of cores. Stateless and
 * thread-safe.
 */
public final class NcnnCalibrator {
  /**
   * How to calibrate.
   *
   * @param percentile used by {@link CalibrationMethod#PERCENTILE}, in (0, 100]
   * @param weightScaling per-channel or per-tensor weight scales in the table
   * @param threads worker threads, 0 for one per core
   * @param probeImages images used by the per-layer int8 check (and EQ's search)
   * @param detector metadata overrides and input size, as {@code Detector.open} takes them
   * @param progress told from the worker threads, so it must be thread-safe
   */
  public record Options(CalibrationMethod method, double percentile, WeightScaling weightScaling, int threads,
      int probeImages, DetectorOptions detector, Progress progress) {
    public Options {
      if (!(percentile > 0 && percentile <= 100)) {
        throw new InvalidInputException("percentile must be in (0, 100], got " + percentile);
      }
      if (threads < 0 || probeImages < 1) {
        throw new InvalidInputException("threads must be >= 0 and probe images >= 1");
      }
    }

    public static Options of(CalibrationMethod method) {
      return new Options(method, 99.99, WeightScaling.PER_CHANNEL, 0, 4, DetectorOptions.defaults(), Progress.NONE);
    }

    public Options withPercentile(double p) {
      return new Options(method, p, weightScaling, threads, probeImages, detector, progress);
    }

    public Options withWeightScaling(WeightScaling w) {
      return new Options(method, percentile, w, threads, probeImages, detector, progress);
    }

    public Options withThreads(int n) {
      return new Options(method, percentile, weightScaling, n, probeImages, detector, progress);
    }

    public Options withDetector(DetectorOptions d) {
      return new Options(method, percentile, weightScaling, threads, probeImages, d, progress);
    }

    public Options withProgress(Progress p) {
      return new Options(method, percentile, weightScaling, threads, probeImages, detector, p);
    }
  }

  /**
   * One layer's calibration.
   *
   * @param cosine cosine similarity of the layer's int8 output to its FP32 output, on its real FP32
   *     input, over the probe images (1 is exact)
   */
  public record LayerResult(String layer, String type, String blob, float absmax, double threshold, float scale,
      double cosine) {}

  /**
   * @param skipped images that could not be decoded, each with the reason
   */
  public record Result(CalibrationTable table, List<LayerResult> layers, int images, List<String> skipped) {
    /** Layers by increasing cosine: the ones int8 hurts most first. */
    public List<LayerResult> worstFirst() {
      return layers.stream().sorted((a, b) -> Double.compare(a.cosine(), b.cosine())).toList();
    }
  }

  private NcnnCalibrator() {}

  /**
   * Calibrates a converted FP32 model on these images.
   *
   * @throws InvalidInputException if no image decodes, or the model has no quantizable layer
   * @throws ModelFormatException if the model's ncnn files are not the ones its fused ONNX lowers to
   */
  public static Result calibrate(DeployedModel fp32, List<Path> images, Options options) throws IOException {
    if (images.isEmpty()) {
      throw new InvalidInputException("no calibration images given");
    }
    Graph lowered = QuantizableLayer.lowered(fp32);
    List<QuantizableLayer> layers = QuantizableLayer.find(lowered);
    if (layers.isEmpty()) {
      throw new InvalidInputException(fp32.dir() + ": the model has no Convolution, ConvolutionDepthWise or"
          + " InnerProduct layer with constant weights; there is nothing to quantize");
    }
    int workers = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
    NcnnOptions one = NcnnOptions.builder().threads(1).build();
    // Detection's own pre-processing, without a second copy of the model to run it.
    ImagePreprocessing pre = DetectionTask.forModel(fp32, options.detector()).preprocessing();
    try (NcnnModel net = NcnnModel.load(fp32.file(Artefact.NCNN_PARAM), fp32.file(Artefact.NCNN_BIN), one)) {
      checkNames(net, layers, fp32);
      Run run = new Run(net, pre, layers, images, Math.max(1, workers), options.progress());
      run.firstPass();
      if (run.good.isEmpty()) {
        throw new InvalidInputException("none of the " + images.size() + " calibration images could be decoded; first"
            + " problem: " + run.skipped.get(0));
      }
      run.secondPass();
      double[] thresholds = new double[layers.size()];
      for (int l = 0; l < layers.size(); l++) {
        ActivationHistogram h = run.histograms[l];
        thresholds[l] = switch (options.method()) {
          case KL, EQ -> Thresholds.kl(h);
          case ACIQ -> Thresholds.aciq(h.range(), run.counts[l]);
          case MINMAX -> Thresholds.minMax(h);
          case PERCENTILE -> Thresholds.percentile(h, options.percentile());
        };
      }
      List<Integer> probe = run.good.subList(0, Math.min(options.probeImages(), run.good.size()));
      double[][] candidates = new double[layers.size()][];
      for (int l = 0; l < layers.size(); l++) {
        candidates[l] = options.method() == CalibrationMethod.EQ
            ? eqCandidates(run.absmax[l], thresholds[l], run.histograms[l], run.counts[l])
            : new double[] {thresholds[l]};
      }
      double[][] cosines = run.probe(lowered, candidates, probe, options.weightScaling());
      Map<String, float[]> weightScales = new LinkedHashMap<>();
      Map<String, Float> inputScales = new LinkedHashMap<>();
      List<LayerResult> results = new ArrayList<>();
      for (int l = 0; l < layers.size(); l++) {
        int best = 0;
        for (int c = 1; c < candidates[l].length; c++) {
          if (cosines[l][c] > cosines[l][best]) {
            best = c;
          }
        }
        QuantizableLayer layer = layers.get(l);
        double t = candidates[l][best];
        float scale = Thresholds.scale(t);
        weightScales.put(layer.name(), layer.weightScales(options.weightScaling()));
        inputScales.put(layer.name(), scale);
        results.add(new LayerResult(layer.name(), layer.type(), run.bottoms[l], run.absmax[l], t, scale,
            cosines[l][best]));
      }
      return new Result(new CalibrationTable(weightScales, inputScales), results, run.good.size(),
          List.copyOf(run.skipped));
    }
  }

  /**
   * EQ's search space: the KL threshold, ACIQ's and the 99.99th percentile, and the range shrunk
   * in quarter-octave steps down to 1/16 of it; larger thresholds first (they win ties).
   */
  static double[] eqCandidates(float absmax, double kl, ActivationHistogram h, long count) {
    List<Double> c = new ArrayList<>();
    c.add(kl);
    c.add(Thresholds.aciq(absmax, count));
    c.add(Thresholds.percentile(h, 99.99));
    for (int k = 0; k <= 16; k++) {
      c.add(absmax * Math.pow(2, -k / 4.0));
    }
    return c.stream().filter(t -> t > 0).distinct().sorted((a, b) -> Double.compare(b, a))
        .mapToDouble(Double::doubleValue).toArray();
  }

  private static void checkNames(NcnnModel net, List<QuantizableLayer> layers, DeployedModel fp32) {
    java.util.Set<String> names = new java.util.HashSet<>();
    net.param().layers().forEach(l -> names.add(l.name()));
    for (QuantizableLayer l : layers) {
      if (!names.contains(l.name())) {
        throw new ModelFormatException(fp32.dir() + ": " + fp32.files().get(Artefact.NCNN_PARAM.key()) + " has no layer '" + l.name()
            + "', which its fused ONNX lowers to; re-run reparo convert");
      }
    }
  }

  /** One calibration's state; its passes fan images out to workers. */
  private static final class Run {
    final NcnnModel net;
    final ImagePreprocessing pre;
    final List<QuantizableLayer> layers;
    final List<Path> images;
    final int workers;
    final Progress progress;
    final String[] bottoms;
    final String[] tops;
    final List<Integer> good = new ArrayList<>();
    final List<String> skipped = new ArrayList<>();
    float[] absmax;
    long[] counts;
    ActivationHistogram[] histograms;

    Run(NcnnModel net, ImagePreprocessing pre, List<QuantizableLayer> layers, List<Path> images, int workers,
        Progress progress) {
      this.net = net;
      this.pre = pre;
      this.layers = layers;
      this.images = images;
      this.workers = workers;
      this.progress = progress;
      Map<String, NcnnParam.Layer> byName = new LinkedHashMap<>();
      net.param().layers().forEach(l -> byName.put(l.name(), l));
      bottoms = new String[layers.size()];
      tops = new String[layers.size()];
      for (int l = 0; l < layers.size(); l++) {
        bottoms[l] = byName.get(layers.get(l).name()).bottoms().get(0);
        tops[l] = byName.get(layers.get(l).name()).tops().get(0);
      }
    }

    /** Per-image work on a worker; {@code worker} indexes that worker's own accumulators. */
    interface ImageTask {
      void run(int worker, int image, NcnnSession session) throws Exception;
    }

    /** Runs {@code task} on each listed image (decoded, pre-processed, fed to a fresh session). */
    void forEach(String phase, List<Integer> indices, ImageTask task, String[] failures) {
      AtomicInteger next = new AtomicInteger();
      AtomicInteger done = new AtomicInteger();
      int n = Math.min(workers, indices.size());
      ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
        Thread t = new Thread(r, "reparo-calibrate");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < n; w++) {
          int worker = w;
          futures.add(pool.submit(() -> {
            for (int k = next.getAndIncrement(); k < indices.size(); k = next.getAndIncrement()) {
              int image = indices.get(k);
              Tensor input = null;
              try {
                input = pre.apply(decode(images.get(image)), NcnnLetterbox::letterbox);
              } catch (IOException | ReparoException e) {
                if (failures == null) {
                  throw new ReparoException(images.get(image) + ": " + e.getMessage(), e);
                }
                failures[image] = images.get(image) + ": " + e.getMessage();
              }
              if (input != null) {
                try (NcnnSession s = net.newSession()) {
                  s.input(net.inputNames().get(0), input);
                  task.run(worker, image, s);
                }
              }
              progress.step(phase, done.incrementAndGet(), indices.size());
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException r) {
          throw r;
        }
        throw new ReparoException("calibration failed: " + c, c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ReparoException("calibration interrupted", e);
      } finally {
        pool.shutdownNow();
      }
    }

    private static BufferedImage decode(Path p) throws IOException {
      return ImageLoader.read(p);
    }

    void firstPass() {
      int L = layers.size();
      float[][] max = new float[workers][L];
      long[][] cnt = new long[workers][L];
      String[] failures = new String[images.size()];
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < images.size(); i++) {
        all.add(i);
      }
      forEach("statistics", all, (w, image, s) -> {
        for (int l = 0; l < L; l++) {
          float[] v = s.extract(bottoms[l]).data();
          float m = max[w][l];
          for (float x : v) {
            m = Math.max(m, Math.abs(x));
          }
          max[w][l] = m;
          cnt[w][l] += v.length;
        }
      }, failures);
      absmax = new float[L];
      counts = new long[L];
      for (int w = 0; w < workers; w++) {
        for (int l = 0; l < L; l++) {
          absmax[l] = Math.max(absmax[l], max[w][l]);
          counts[l] += cnt[w][l];
        }
      }
      for (int i = 0; i < images.size(); i++) {
        if (failures[i] == null) {
          good.add(i);
        } else {
          skipped.add(failures[i]);
        }
      }
    }

    void secondPass() {
      int L = layers.size();
      ActivationHistogram[][] h = new ActivationHistogram[workers][L];
      for (int w = 0; w < workers; w++) {
        for (int l = 0; l < L; l++) {
          h[w][l] = new ActivationHistogram(absmax[l]);
        }
      }
      forEach("histograms", good, (w, image, s) -> {
        for (int l = 0; l < L; l++) {
          h[w][l].add(s.extract(bottoms[l]).data());
        }
      }, null);
      histograms = new ActivationHistogram[L];
      for (int l = 0; l < L; l++) {
        histograms[l] = new ActivationHistogram(absmax[l]);
        for (int w = 0; w < workers; w++) {
          histograms[l].merge(h[w][l]);
        }
      }
    }

    /**
     * Mean cosine of each layer's int8 output (at each candidate threshold) to its FP32 output, the
     * layer fed its real FP32 input on each probe image.
     */
    double[][] probe(Graph lowered, double[][] candidates, List<Integer> probeImages, WeightScaling scaling) {
      int L = layers.size();
      NcnnModel[][] nets = new NcnnModel[L][];
      try {
        for (int l = 0; l < L; l++) {
          nets[l] = new NcnnModel[candidates[l].length];
          Graph single = singleLayer(lowered, layers.get(l));
          for (int c = 0; c < candidates[l].length; c++) {
            QuantizableLayer layer = layers.get(l);
            CalibrationTable t = new CalibrationTable(Map.of(layer.name(), layer.weightScales(scaling)),
                Map.of(layer.name(), Thresholds.scale(candidates[l][c])));
            Graph g = single.copy();
            Int8Lowering.apply(g, t);
            NcnnFiles files = NcnnWriter.render(g, NcnnWriter.WeightStorage.FP32);
            nets[l][c] = NcnnModel.load(files.paramBytes(), files.bin(), "probe-" + layer.name(),
                NcnnOptions.builder().threads(1).build());
          }
        }
        double[][][] perImage = new double[images.size()][][];
        forEach("layer check", probeImages, (w, image, s) -> {
          double[][] cos = new double[L][];
          for (int l = 0; l < L; l++) {
            Tensor in = s.extract(bottoms[l]);
            float[] want = s.extract(tops[l]).data();
            cos[l] = new double[nets[l].length];
            for (int c = 0; c < nets[l].length; c++) {
              try (NcnnSession p = nets[l][c].newSession()) {
                p.input(nets[l][c].inputNames().get(0), in);
                cos[l][c] = dev.reparo.quant.Cosine.similarity(p.extract(nets[l][c].outputNames().get(0)).data(), want);
              }
            }
          }
          perImage[image] = cos;
        }, null);
        double[][] mean = new double[L][];
        for (int l = 0; l < L; l++) {
          mean[l] = new double[candidates[l].length];
          for (int image : probeImages) {
            for (int c = 0; c < mean[l].length; c++) {
              mean[l][c] += perImage[image][l][c] / probeImages.size();
            }
          }
        }
        return mean;
      } finally {
        for (NcnnModel[] row : nets) {
          if (row != null) {
            for (NcnnModel m : row) {
              if (m != null) {
                m.close();
              }
            }
          }
        }
      }
    }

    /** A graph of one Input and the layer (its weights included), for the per-layer probe. */
    private static Graph singleLayer(Graph lowered, QuantizableLayer layer) {
      Node node = lowered.nodes().stream().filter(n -> n.name().equals(layer.name())).findFirst().orElseThrow();
      Graph g = new Graph("probe", lowered.opset());
      g.addInput(new ValueInfo(node.input(0), DataType.FLOAT, Shape.unknown()));
      for (int i = 1; i < node.inputs().size(); i++) {
        g.putInitializer(node.input(i), lowered.initializer(node.input(i)));
      }
      g.addNode(node);
      g.addOutput(ValueInfo.unknown(node.output(0)));
      return g;
    }
  }
}
