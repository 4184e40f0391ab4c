package dev.reparo.cli;

import dev.reparo.Reparo;
import dev.reparo.ReparoException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code reparo} command: one subcommand per verb. */
@Command(
    name = "reparo",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT, // -h/--help and -V/--version on every verb too
    versionProvider = ReparoCli.Version.class,
    description = {
        "Make YOLO-style detectors trained in PyTorch fast in production: re-parameterize and fuse",
        "the exported ONNX graph, quantize it, and run it on ncnn (CPU) or TensorRT (GPU).",
        ""
    },
    subcommands = {DetectCommand.class, SparkDetectCommand.class, EvalCommand.class, ConvertCommand.class, CalibrateCommand.class, InferCommand.class,
        BenchCommand.class, SynthCommand.class, VersionCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Run 'reparo help VERB' for a verb's options."})
public final class ReparoCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code: 0 ok, 1 error, 2 bad usage. */
  static int run(String... args) {
    CommandLine cli = new CommandLine(new ReparoCli());
    // Descriptions are written as lines of up to ~100 characters; picocli's default of 80 columns
    // broke each of them in two. A wider terminal is used as is.
    cli.setUsageHelpWidth(110);
    cli.setUsageHelpAutoWidth(true);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ReparoException || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
        String msg = e instanceof java.nio.file.NoSuchFileException ? e.getMessage() + ": no such file" : e.getMessage();
        commandLine.getErr().println("reparo: " + msg);
        return 1;
      }
      throw e;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"reparo " + Reparo.version()};
    }
  }
}
