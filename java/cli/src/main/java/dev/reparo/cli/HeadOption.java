package dev.reparo.cli;

import dev.reparo.detect.Detector;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.detect.HeadKind;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --head}, shared by the commands that open a detector, and the line that reports the choice. */
final class HeadOption {
  @Option(names = "--head", paramLabel = "KIND",
      description = "how the model's outputs are decoded: yolov5 (raw anchor outputs), yolov5-decoded [1,N,5+C], "
          + "yolov8 (Ultralytics [1,4+C,N]), yolov8-raw (per-scale box distributions + class logits), "
          + "end2end [1,K,6]; default: chosen from the output shapes and metadata (the choice is printed)")
  String head;

  void applyTo(DetectorOptions.Builder b) {
    if (head != null) {
      b.head(HeadKind.parse(head));
    }
  }

  /** "head: yolov8 (...), from output shape [1, 10, 2100]" on {@code out}; assumptions as warnings on {@code err}. */
  static void report(Detector d, PrintWriter out, PrintWriter err) {
    out.printf("head: %s, %s%n", d.head(), d.headReason());
    for (String w : d.headWarnings()) {
      err.println("reparo: warning: " + w);
    }
    out.flush();
    err.flush();
  }
}
