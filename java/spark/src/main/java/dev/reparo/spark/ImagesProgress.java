package dev.reparo.spark;

import dev.reparo.Progress;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;

/**
 * Reports how many images a detection job has done, from Spark's own events: after each task, the
 * driver's value of the job's image counter. Spark calls it on its listener thread, one event at a
 * time, so the {@link Progress} it tells is called from that one thread only.
 */
final class ImagesProgress extends SparkListener {
  private final LongAccumulator done;
  private final long total;
  /** The phase it reports. */
  static final String PHASE = "detect";

  private final Progress listener;

  ImagesProgress(LongAccumulator done, long total, Progress listener) {
    this.done = done;
    this.total = total;
    this.listener = listener;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    listener.step(PHASE, Math.min(done.value(), total), total);
  }
}
