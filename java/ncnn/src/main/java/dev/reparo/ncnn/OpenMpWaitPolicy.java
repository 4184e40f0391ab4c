package dev.reparo.ncnn;

import dev.reparo.InvalidInputException;
import dev.reparo.ncnn.process.ProcessEnv;
import java.util.Locale;

/**
 * How ncnn's OpenMP worker threads wait between parallel regions, chosen before ncnn loads.
 *
 * <p>libgomp's default lets an idle worker spin (up to 300 000 iterations) before it sleeps. That
 * wins a few microseconds per layer on an idle machine, and loses badly on a busy one: a spinning
 * thread holds a core that the thread it waits for needs. Measured on a 2-vCPU VM with other work
 * running (demo model, {@code reparo bench}, alternating): ncnn with 2 threads p50 162-240 ms with
 * spinning (libgomp's default and ACTIVE), 8-15 ms with PASSIVE, against 6-10 ms with 1 thread.
 * Reparo therefore sets {@code OMP_WAIT_POLICY=PASSIVE} unless the environment already sets it, or
 * the system property {@value #PROPERTY} says otherwise: {@code passive}, {@code active}, or
 * {@code default} (leave libgomp's own).
 *
 * <p>The setting is process-wide and read once by libgomp: it takes effect only if applied before
 * the ncnn JNI library loads ({@link Ncnn} does so). Thread-safe (called under Ncnn's load lock).
 */
final class OpenMpWaitPolicy {
  static final String PROPERTY = "reparo.ncnn.ompWaitPolicy";
  static final String VARIABLE = "OMP_WAIT_POLICY";

  private OpenMpWaitPolicy() {}

  /**
   * Sets {@code OMP_WAIT_POLICY} for this process as {@value #PROPERTY} asks, unless the
   * environment has it already.
   *
   * @return a line saying what libgomp will use and why
   * @throws InvalidInputException if the property names no policy
   */
  static String apply() {
    String wanted = System.getProperty(PROPERTY, "passive").trim().toLowerCase(Locale.ROOT);
    if (!wanted.equals("passive") && !wanted.equals("active") && !wanted.equals("default")) {
      throw new InvalidInputException("-D" + PROPERTY + "=" + wanted + ": use passive, active or default");
    }
    String before;
    try {
      before = ProcessEnv.get(VARIABLE);
      if (before != null) {
        return before + " (from the environment)";
      }
      if (wanted.equals("default")) {
        return "libgomp's default (spin, then sleep; -D" + PROPERTY + "=default)";
      }
      if (ProcessEnv.setIfUnset(VARIABLE, wanted.toUpperCase(Locale.ROOT)) != 0) {
        return "libgomp's default (setting " + VARIABLE + " failed)";
      }
      return ProcessEnv.get(VARIABLE) + " (Reparo's default; -D" + PROPERTY + "=active|default to change)";
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      // A preset built without the helper library: ncnn still runs, with libgomp's default.
      return "libgomp's default (the environment helper did not load: " + e.getMessage() + ")";
    }
  }
}
