package dev.reparo.bench;

/**
 * One backend at one thread count on one model: how long loading took, the latency
 * distribution, the process's peak resident memory after the runs, and the speed relative to the
 * first backend measured at the same thread count. Immutable and thread-safe.
 *
 * @param backend the backend's name as given on the command line, e.g. {@code onnxruntime}
 * @param runtime the backend's own description, e.g. {@code onnxruntime 1.29.0}
 * @param peakRssMb the process's resident-memory high-water mark (VmHWM) once this case ran, in MiB;
 *     reset before each case where the kernel allows it ({@code peakRssReset}), cumulative otherwise;
 *     -1 where the platform does not report it
 * @param speedup the first backend's median latency at this thread count divided by this one's
 *     (above 1: faster than the first)
 */
public record BenchmarkResult(String backend, String runtime, int threads, double loadMs, LatencyStats latency,
    double peakRssMb, boolean peakRssReset, double speedup) {

  public BenchmarkResult withSpeedup(double s) {
    return new BenchmarkResult(backend, runtime, threads, loadMs, latency, peakRssMb, peakRssReset, s);
  }
}
