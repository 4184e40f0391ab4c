package dev.reparo.ncnn;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.Progress;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.detect.DetectParams;
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
      int probeImages, int searchImages, List<String> fp32Layers, DetectorOptions detector, Progress progress) {
    public Options {
      if (!(percentile > 0 && percentile <= 100)) {
        throw new InvalidInputException("percentile must be in (0, 100], got " + percentile);
      }
      if (threads < 0 || probeImages < 1 || searchImages < 1) {
        throw new InvalidInputException("threads must be >= 0, probe and search images >= 1");
      }
      fp32Layers = List.copyOf(fp32Layers);
    }

    public static Options of(CalibrationMethod method) {
      return new Options(method, 99.99, WeightScaling.PER_CHANNEL, 0, 4, AUTO_SEARCH_IMAGES, List.of(),
          DetectorOptions.defaults(), Progress.NONE);
    }

    public Options withPercentile(double p) {
      return new Options(method, p, weightScaling, threads, probeImages, searchImages, fp32Layers, detector, progress);
    }

    public Options withWeightScaling(WeightScaling w) {
      return new Options(method, percentile, w, threads, probeImages, searchImages, fp32Layers, detector, progress);
    }

    public Options withThreads(int n) {
      return new Options(method, percentile, weightScaling, n, probeImages, searchImages, fp32Layers, detector,
          progress);
    }

    /** Images {@link CalibrationMethod#AUTO} measures the whole model on (the first that decode). */
    public Options withSearchImages(int n) {
      return new Options(method, percentile, weightScaling, threads, probeImages, n, fp32Layers, detector, progress);
    }

    /**
     * Layers the written model keeps in FP32 anyway (the stem, layers ncnn gets wrong in int8):
     * {@link CalibrationMethod#AUTO} measures the model as it will run, without them in int8.
     * They still get a threshold in the table.
     */
    public Options withFp32Layers(List<String> layers) {
      return new Options(method, percentile, weightScaling, threads, probeImages, searchImages, layers, detector,
          progress);
    }

    public Options withDetector(DetectorOptions d) {
      return new Options(method, percentile, weightScaling, threads, probeImages, searchImages, fp32Layers, d,
          progress);
    }

    public Options withProgress(Progress p) {
      return new Options(method, percentile, weightScaling, threads, probeImages, searchImages, fp32Layers, detector,
          p);
    }
  }

  /** Images {@code --method auto} runs the whole model on by default (as the mixed-precision search). */
  public static final int AUTO_SEARCH_IMAGES = 32;

  /** The fixed methods {@link CalibrationMethod#AUTO} chooses among, per layer. */
  public static final List<CalibrationMethod> AUTO_CHOICES = List.of(CalibrationMethod.KL, CalibrationMethod.ACIQ,
      CalibrationMethod.EQ, CalibrationMethod.MINMAX, CalibrationMethod.PERCENTILE);

  /**
   * What {@link CalibrationMethod#AUTO} measured: the model-output cosine to FP32 of each single
   * method's table and of the chosen mix, on the same search images.
   *
   * @param methods each of {@link #AUTO_CHOICES} used for every layer → its score
   * @param chosen the chosen per-layer mix's score (never worse than the best single method's)
   * @param start the single method the search started from (the best one)
   */
  public record AutoSearch(Map<CalibrationMethod, Score> methods, Score chosen, CalibrationMethod start,
      int images) {
    public AutoSearch {
      methods = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(methods));
    }
  }

  /**
   * How close one table keeps the model to FP32 on the search images.
   *
   * @param cosine mean cosine of every raw output to FP32's
   * @param map mAP@0.5:0.95 of the int8 detections (conf 0.001, NMS IoU 0.6) against FP32's at conf
   *     0.25 taken as labels; 1 is identical detections; NaN when FP32 detects nothing there
   * @param map50 the same at IoU 0.5
   */
  public record Score(double cosine, double map, double map50) {}

  /**
   * One layer's calibration.
   *
   * @param cosine cosine similarity of the layer's int8 output to its FP32 output, on its real FP32
   *     input, over the probe images (1 is exact)
   */
  public record LayerResult(String layer, String type, String blob, float absmax, double threshold, float scale,
      double cosine, CalibrationMethod method) {}

  /**
   * @param skipped images that could not be decoded, each with the reason
   * @param auto what {@link CalibrationMethod#AUTO} measured; null for the other methods
   */
  public record Result(CalibrationTable table, List<LayerResult> layers, int images, List<String> skipped,
      AutoSearch auto) {
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
   * @throws ModelFormatException if the model's fused ONNX cannot be read
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
    DetectionTask task = DetectionTask.forModel(fp32, options.detector());
    ImagePreprocessing pre = task.preprocessing();
    // The FP32 net as calibration lowers it (every quantizable layer under its table name), not
    // model.param, whose stems ncnn lowering may have split.
    NcnnFiles calibrationNet = NcnnWriter.render(lowered, NcnnWriter.WeightStorage.FP32);
    try (NcnnModel net = NcnnModel.load(calibrationNet.paramBytes(), calibrationNet.bin(), "calibration", one)) {
      Run run = new Run(net, pre, layers, images, Math.max(1, workers), options.progress());
      run.firstPass();
      if (run.good.isEmpty()) {
        throw new InvalidInputException("none of the " + images.size() + " calibration images could be decoded; first"
            + " problem: " + run.skipped.get(0));
      }
      run.secondPass();
      int L = layers.size();
      CalibrationMethod method = options.method();
      boolean searchesLayers = method == CalibrationMethod.EQ || method == CalibrationMethod.AUTO;
      // per layer, each fixed method's threshold (EQ's comes from the probe below)
      Map<CalibrationMethod, double[]> byMethod = new LinkedHashMap<>();
      for (CalibrationMethod m : AUTO_CHOICES) {
        if (m == CalibrationMethod.EQ || !(m == method || method == CalibrationMethod.AUTO)) {
          continue;
        }
        double[] t = new double[L];
        for (int l = 0; l < L; l++) {
          t[l] = threshold(m, run.histograms[l], run.counts[l], options.percentile());
        }
        byMethod.put(m, t);
      }
      double[] kl = new double[L];
      for (int l = 0; l < L; l++) {
        kl[l] = searchesLayers ? Thresholds.kl(run.histograms[l]) : 0;
      }
      List<Integer> probe = run.good.subList(0, Math.min(options.probeImages(), run.good.size()));
      double[][] candidates = new double[L][];
      for (int l = 0; l < L; l++) {
        candidates[l] = searchesLayers ? eqCandidates(run.absmax[l], kl[l], run.histograms[l], run.counts[l])
            : new double[] {byMethod.get(method)[l]};
      }
      double[][] cosines = run.probe(lowered, candidates, probe, options.weightScaling());
      double[] eq = new double[L];
      for (int l = 0; l < L; l++) {
        int best = 0;
        for (int c = 1; c < candidates[l].length; c++) {
          if (cosines[l][c] > cosines[l][best]) {
            best = c;
          }
        }
        eq[l] = candidates[l][best];
      }
      if (searchesLayers) {
        Map<CalibrationMethod, double[]> all = new LinkedHashMap<>();
        for (CalibrationMethod m : AUTO_CHOICES) {
          all.put(m, m == CalibrationMethod.EQ ? eq : byMethod.get(m));
        }
        byMethod = all;
      }
      CalibrationMethod[] chosen = new CalibrationMethod[L];
      java.util.Arrays.fill(chosen, method);
      AutoSearch auto = null;
      if (method == CalibrationMethod.AUTO) {
        List<Tensor> inputs = run.inputs(run.good.subList(0, Math.min(options.searchImages(), run.good.size())));
        auto = autoSearch(task, lowered, layers, byMethod, chosen, inputs, options, workers);
      }
      Map<String, float[]> weightScales = new LinkedHashMap<>();
      Map<String, Float> inputScales = new LinkedHashMap<>();
      List<LayerResult> results = new ArrayList<>();
      for (int l = 0; l < L; l++) {
        QuantizableLayer layer = layers.get(l);
        double t = byMethod.get(chosen[l])[l];
        // the probe's cosine of the chosen threshold (it measured every candidate)
        double cos = Double.NaN;
        for (int c = 0; c < candidates[l].length; c++) {
          if (candidates[l][c] == t) {
            cos = cosines[l][c];
          }
        }
        if (Double.isNaN(cos)) {
          cos = run.probe(lowered, l, t, probe, options.weightScaling());
        }
        float scale = Thresholds.scale(t);
        weightScales.put(layer.name(), layer.weightScales(options.weightScaling()));
        inputScales.put(layer.name(), scale);
        results.add(new LayerResult(layer.name(), layer.type(), run.bottoms[l], run.absmax[l], t, scale, cos,
            chosen[l]));
      }
      return new Result(new CalibrationTable(weightScales, inputScales), results, run.good.size(),
          List.copyOf(run.skipped), auto);
    }
  }

  private static double threshold(CalibrationMethod m, ActivationHistogram h, long count, double percentile) {
    return switch (m) {
      case KL -> Thresholds.kl(h);
      case ACIQ -> Thresholds.aciq(h.range(), count);
      case MINMAX -> Thresholds.minMax(h);
      case PERCENTILE -> Thresholds.percentile(h, percentile);
      case EQ, AUTO -> throw new IllegalArgumentException(m + " is a search, not a formula");
    };
  }

  /**
   * {@code --method auto}: every fixed method's table is run whole on the search images, and the
   * best one is the start; then, layer by layer in graph order, each other method's threshold for
   * that layer is tried with the rest fixed and kept when the model gets better. One sweep
   * (coordinate ascent): the result is never worse than the best single method on these images.
   * "Better" is a higher mean output cosine to FP32. The detections' agreement with FP32's ({@link
   * Score#map()}) is measured and reported too, but not used: on the demo model (32 search images,
   * benchmarks/README.md) it ranked min-max above ACIQ, the reverse of their mAP on labelled
   * validation sets, and the per-layer choice it drove scored 0.925 on the search images but 0.886
   * on held-back ones (it fits the few search images), while the cosine ranked the methods as the
   * labelled mAP does. Layers in {@link Options#fp32Layers()} are left out of every
   * measurement (they run FP32 in the written model) and keep the start method's threshold.
   *
   * @param chosen filled with each layer's method
   */
  private static AutoSearch autoSearch(DetectionTask task, Graph lowered, List<QuantizableLayer> layers,
      Map<CalibrationMethod, double[]> byMethod, CalibrationMethod[] chosen, List<Tensor> inputs, Options options,
      int workers) {
    int L = layers.size();
    float[][] weights = new float[L][];
    for (int l = 0; l < L; l++) {
      weights[l] = layers.get(l).weightScales(options.weightScaling());
    }
    java.util.Set<String> fp32 = new java.util.HashSet<>(options.fp32Layers());
    DetectParams agreement = options.detector().params().withConf(0.001f).withIou(0.6f).withMaxDetections(100);
    NcnnOptions ncnn = NcnnOptions.builder().threads(workers).build();
    return autoSearch(lowered, layers, byMethod, chosen, inputs, options, workers, weights, fp32,
        new OutputCosine(lowered, inputs, ncnn, task, agreement));
  }

  private static AutoSearch autoSearch(Graph lowered, List<QuantizableLayer> layers,
      Map<CalibrationMethod, double[]> byMethod, CalibrationMethod[] chosen, List<Tensor> inputs, Options options,
      int workers, float[][] weights, java.util.Set<String> fp32, OutputCosine eval) {
    int L = layers.size();
    java.util.function.Function<CalibrationMethod[], CalibrationTable> table = pick -> {
      Map<String, float[]> w = new LinkedHashMap<>();
      Map<String, Float> in = new LinkedHashMap<>();
      for (int l = 0; l < L; l++) {
        String name = layers.get(l).name();
        if (!fp32.contains(name)) {
          w.put(name, weights[l]);
          in.put(name, Thresholds.scale(byMethod.get(pick[l])[l]));
        }
      }
      return new CalibrationTable(w, in);
    };
    List<Integer> searched = new ArrayList<>();
    for (int l = 0; l < L; l++) {
      if (!fp32.contains(layers.get(l).name())) {
        searched.add(l);
      }
    }
    int steps = AUTO_CHOICES.size() + searched.size();
    int step = 0;
    Map<CalibrationMethod, OutputCosine.Score> scores = new LinkedHashMap<>();
    CalibrationMethod start = null;
    for (CalibrationMethod m : AUTO_CHOICES) {
      CalibrationMethod[] all = new CalibrationMethod[L];
      java.util.Arrays.fill(all, m);
      OutputCosine.Score c = eval.score(table.apply(all));
      scores.put(m, c);
      if (start == null || c.beats(scores.get(start))) {
        start = m;
      }
      options.progress().step("auto", ++step, steps);
    }
    java.util.Arrays.fill(chosen, start);
    OutputCosine.Score best = scores.get(start);
    for (int l : searched) {
      CalibrationMethod current = chosen[l];
      java.util.Set<Double> tried = new java.util.HashSet<>();
      tried.add(byMethod.get(current)[l]);
      for (CalibrationMethod m : AUTO_CHOICES) {
        if (!tried.add(byMethod.get(m)[l])) {
          continue; // the same threshold as one already measured
        }
        chosen[l] = m;
        OutputCosine.Score c = eval.score(table.apply(chosen));
        if (c.beats(best)) {
          best = c;
          current = m;
        }
      }
      chosen[l] = current;
      options.progress().step("auto", ++step, steps);
    }
    Map<CalibrationMethod, Score> methods = new LinkedHashMap<>();
    scores.forEach((k, v) -> methods.put(k, new Score(v.cosine(), v.map(), v.map50())));
    return new AutoSearch(methods, new Score(best.cosine(), best.map(), best.map50()), start, eval.images());
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

    /** Pre-processed inputs of these images, in order. */
    List<Tensor> inputs(List<Integer> indices) {
      List<Tensor> out = new ArrayList<>();
      for (int i : indices) {
        try {
          out.add(pre.apply(decode(images.get(i)), NcnnLetterbox::letterbox));
        } catch (IOException e) {
          throw new ReparoException(images.get(i) + ": " + e.getMessage(), e);
        }
      }
      return out;
    }

    /** The probe's cosine for one layer at one threshold. */
    double probe(Graph lowered, int layer, double threshold, List<Integer> probeImages, WeightScaling scaling) {
      double[][] c = new double[layers.size()][];
      for (int l = 0; l < c.length; l++) {
        c[l] = l == layer ? new double[] {threshold} : new double[0];
      }
      return probe(lowered, c, probeImages, scaling)[layer][0];
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
