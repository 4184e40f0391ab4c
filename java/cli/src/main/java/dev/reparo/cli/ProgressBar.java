package dev.reparo.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr: done/total, rate and ETA, redrawn at most 10 times a second.
 * Prints nothing for a single item. Not thread-safe; update it from one thread.
 */
final class ProgressBar {
  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final String what;
  private final int total;
  private final long start = System.nanoTime();
  private long lastDraw;
  private int done;

  ProgressBar(PrintWriter err, String what, int total) {
    this.err = err;
    this.what = what;
    this.total = total;
  }

  /**
   * Counts one item done. A video's total is only what its container declares: past it the bar
   * stays full and the count goes on.
   */
  void step() {
    update(done + 1);
  }

  /**
   * Sets the count done to {@code n}, at most the total (ignored when it is not more than before),
   * and redraws; a phase that ends early jumps to its total this way.
   */
  void advanceTo(int n) {
    update(total > 0 ? Math.min(n, total) : n);
  }

  private void update(int n) {
    if (n <= done) {
      return;
    }
    done = n;
    long now = System.nanoTime();
    if (total > 1 && (now - lastDraw > 100_000_000L || done == total)) {
      lastDraw = now;
      double seconds = (now - start) / 1e9;
      int filled = (int) ((long) WIDTH * Math.min(done, total) / total);
      // Rates over the first fraction of a second are noise (one fast item reads as 300 000/s).
      String speed = "";
      if (seconds >= 0.5) {
        double rate = done / seconds;
        speed = String.format("  %.1f/s  ETA %ds", rate, Math.round((total - done) / rate));
      }
      err.printf("\r%s [%s%s] %d/%d%s ", what, "#".repeat(filled), " ".repeat(WIDTH - filled), done, total,
          done <= total ? speed : "");
      if (done == total) {
        err.println();
      }
      err.flush();
    }
  }

  /** Ends the bar's line if fewer items came than expected (a shorter video, an early stop). */
  void finish() {
    if (total > 1 && done > 0 && done != total) {
      err.println();
      err.flush();
    }
  }

  /** Seconds since the bar was created. */
  double elapsedSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }
}
