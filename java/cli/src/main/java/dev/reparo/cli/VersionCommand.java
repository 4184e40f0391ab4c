package dev.reparo.cli;

import dev.reparo.Reparo;
import dev.reparo.ncnn.Ncnn;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code reparo version}: what this build is and what it found on this machine. */
@Command(name = "version", description = {
    "Print Reparo's version, the ncnn it runs on, the CPU instruction sets ncnn will use",
    "and the number of threads it runs with by default."})
final class VersionCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    out.printf("reparo   %s%n", Reparo.version());
    out.printf("ncnn     %s%n", Ncnn.version());
    out.printf("cpu      %s, %d logical / %d physical cores%n", System.getProperty("os.arch"),
        Ncnn.cpuCount(), Ncnn.physicalCpuCount());
    String features = String.join(" ", Ncnn.cpuFeatures());
    out.printf("isa      %s%n", features.isEmpty() ? "(baseline only)" : features);
    out.printf("threads  %d (ncnn default); detect and Detector.open measure 1..%d once per model and keep the fastest%n",
        Ncnn.defaultThreads(), Runtime.getRuntime().availableProcessors());
    out.printf("openmp   wait policy %s%n", Ncnn.openMpWaitPolicy());
    out.printf("java     %s (%s)%n", System.getProperty("java.version"), System.getProperty("java.vendor"));
    out.flush();
  }
}
