package dev.reparo.ncnn;

import dev.reparo.InvalidInputException;
import dev.reparo.ncnn.process.ProcessEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How ncnn's OpenMP worker threads wait between parallel regions, chosen before ncnn loads.
 *
 * <p>libgomp's default lets an idle worker spin (up to 300 000 iterations) before it sleeps. That
 * wins on a machine whose cores are ncnn's alone, and loses badly where they are shared: a spinning
 * thread holds a core that the thread it waits for needs. Measured on a 2-vCPU VM, demo model,
 * {@code reparo bench}, alternating (benchmarks/README.md): with two CPU-bound processes beside it,
 * 2 threads p50 116-141 ms spinning (libgomp's default), 57-440 ms with any spin count from 3 000
 * up, 7-15 ms passive; idle, 2 threads 4.1-4.7 ms spinning and 13 ms passive, 1 thread 5 ms either
 * way. Passive never collapses; spinning is 15 % faster on an idle VM and 10-40x slower on a busy
 * one.
 *
 * <p>So by default ({@code auto}) Reparo sets {@code OMP_WAIT_POLICY=PASSIVE} on virtual machines
 * (the CPU flag {@code hypervisor}: vCPUs that others share), where {@code threads(0)}'s probe then
 * picks the thread count that is fastest without spinning, and leaves libgomp's default elsewhere
 * (a Raspberry Pi's cores are its own). The environment's {@code OMP_WAIT_POLICY} always wins;
 * the system property {@value #PROPERTY} chooses {@code auto}, {@code passive}, {@code active} or
 * {@code default} (libgomp's own).
 *
 * <p>The setting is process-wide and read once by libgomp: it takes effect only if applied before
 * the ncnn JNI library loads ({@link Ncnn} does so). Thread-safe (called under Ncnn's load lock).
 */
final class OpenMpWaitPolicy {
  static final String PROPERTY = "reparo.ncnn.ompWaitPolicy";
  static final String VARIABLE = "OMP_WAIT_POLICY";

  private OpenMpWaitPolicy() {}

  /**
   * Sets {@code OMP_WAIT_POLICY} for this process as {@value #PROPERTY} asks (by default: PASSIVE
   * on a virtual machine), unless the environment has it already.
   *
   * @return a line saying what libgomp will use and why
   * @throws InvalidInputException if the property names no policy
   */
  static String apply() {
    String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    if (!List.of("auto", "passive", "active", "default").contains(wanted)) {
      throw new InvalidInputException("-D" + PROPERTY + "=" + wanted + ": use auto, passive, active or default");
    }
    try {
      String before = ProcessEnv.get(VARIABLE);
      if (before != null) {
        return before + " (from the environment)";
      }
      String why;
      if (wanted.equals("auto")) {
        if (!onVirtualMachine()) {
          return "libgomp's default (spin, then sleep: this machine's cores are not shared)";
        }
        wanted = "passive";
        why = "on a virtual machine, whose vCPUs others share";
      } else if (wanted.equals("default")) {
        return "libgomp's default (spin, then sleep; -D" + PROPERTY + "=default)";
      } else {
        why = "-D" + PROPERTY + "=" + wanted;
      }
      if (ProcessEnv.setIfUnset(VARIABLE, wanted.toUpperCase(Locale.ROOT)) != 0) {
        return "libgomp's default (setting " + VARIABLE + " failed)";
      }
      return ProcessEnv.get(VARIABLE) + " (" + why + ")";
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      // A preset built without the helper library: ncnn still runs, with libgomp's default.
      return "libgomp's default (the environment helper did not load: " + e.getMessage() + ")";
    }
  }

  /** Whether the CPU says it runs under a hypervisor (x86's {@code hypervisor} flag in /proc/cpuinfo). */
  static boolean onVirtualMachine() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          return List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+")).contains("hypervisor");
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: not Linux, treated as not shared
    }
    return false;
  }
}
