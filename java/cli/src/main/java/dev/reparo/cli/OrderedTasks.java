package dev.reparo.cli;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tasks run on a small pool of daemon threads; their results are taken in the order the tasks were
 * submitted. At most {@code capacity} tasks are submitted and not yet taken, which bounds the memory
 * their results hold. Submit and take from one thread (the owner); not thread-safe otherwise.
 */
final class OrderedTasks<R> implements AutoCloseable {
  /** How long {@link #close} waits for running tasks to end. */
  static final int CLOSE_WAIT_SECONDS = 30;
  private final ExecutorService pool;
  private final ArrayDeque<Future<R>> pending = new ArrayDeque<>();
  private final int capacity;

  OrderedTasks(String name, int threads, int capacity) {
    if (threads < 1 || capacity < 1) {
      throw new IllegalArgumentException("threads and capacity must be at least 1: " + threads + ", " + capacity);
    }
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "reparo-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.capacity = capacity;
  }

  int capacity() {
    return capacity;
  }

  boolean full() {
    return pending.size() >= capacity;
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Starts {@code task}; the window must not be {@link #full()}. */
  void submit(Callable<R> task) {
    if (full()) {
      throw new IllegalStateException("already " + capacity + " tasks pending");
    }
    pending.add(pool.submit(task));
  }

  /**
   * The oldest pending task's result, or what it threw (an IOException or unchecked exception as is,
   * anything else wrapped). The caller helps instead of sleeping: it runs the oldest task itself if no
   * pool thread has started it, and while a pool thread still works on it (perhaps descheduled on a
   * machine whose cores are busy elsewhere), it runs the next tasks not yet started. So the pipeline
   * never falls far behind doing everything in turn on one thread.
   */
  R takeOldest() throws IOException, InterruptedException {
    Future<R> f = pending.poll();
    if (f == null) {
      throw new IllegalStateException("no task pending");
    }
    if (f instanceof RunnableFuture<R> task) {
      task.run();  // does nothing if a pool thread has started it (FutureTask runs once)
    }
    for (Future<R> next : pending) {
      if (f.isDone()) {
        break;
      }
      if (next instanceof RunnableFuture<R> task) {
        task.run();
      }
    }
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error er) {
        throw er;
      }
      throw new IOException(c);
    }
  }

  /** Cancels the tasks not started, interrupts the running ones and waits for them to end. */
  @Override
  public void close() {
    pending.forEach(f -> f.cancel(true));
    pending.clear();
    pool.shutdownNow();
    try {
      pool.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
