package dev.reparo.tensorrt;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Release steps for native resources, run newest first: push one after each resource is created;
 * {@link #keep} once everything is handed over to an owner; {@link #close} releases whatever is
 * still held, every step even if one fails (the first failure is thrown, later ones suppressed).
 * With try-with-resources a failure half-way through a creation sequence releases what was
 * created so far. Not thread-safe.
 */
final class Releaser implements AutoCloseable {
  private final Deque<Runnable> steps = new ArrayDeque<>();

  void push(Runnable step) {
    steps.push(step);
  }

  /** Keeps everything pushed so far: close() will not release it. */
  void keep() {
    steps.clear();
  }

  @Override
  public void close() {
    RuntimeException first = null;
    while (!steps.isEmpty()) {
      try {
        steps.pop().run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
