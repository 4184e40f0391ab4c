package dev.reparo.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.reparo.ReparoException;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.format.ncnn.NcnnReader;
import dev.reparo.format.npy.Npy;
import dev.reparo.image.ImageLoader;
import dev.reparo.onnx.OnnxReader;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz targets for the readers of untrusted files. The contract under test: any input either
 * parses or raises a {@link ReparoException}; every other exception or error is a finding.
 *
 * <p>In a normal build each target runs once per input of its committed corpus
 * ({@code src/test/resources/dev/reparo/fuzz/FuzzTargetsInputs/<method>/}), plus any crash
 * files Jazzer saved there. To fuzz, set {@code JAZZER_FUZZ=1} and give a time budget, e.g.
 * {@code JAZZER_FUZZ=1 mvn -pl java/core test -Dtest=FuzzTargets#npyReader -Djazzer.max_duration=60s};
 * inputs that fail are written beside the corpus and become regression tests once committed.
 */
class FuzzTargets {
  private static final byte[][] BINS = {new byte[0], new byte[16], new byte[4096]};

  @FuzzTest(maxDuration = "60s")
  void onnxImporter(byte[] data) {
    try {
      OnnxReader.read(data, "fuzz.onnx");
    } catch (ReparoException expected) {
      // refused with a message: the contract holds
    }
  }

  @FuzzTest(maxDuration = "60s")
  void ncnnParamReader(byte[] data) {
    String param = new String(data, StandardCharsets.US_ASCII);
    try {
      NcnnParam.parse(param, "fuzz.param");
    } catch (ReparoException expected) {
      return;
    }
    for (byte[] bin : BINS) {
      try {
        NcnnReader.read(param, bin, "fuzz.param", "fuzz.bin");
      } catch (ReparoException expected) {
        // a bin of the wrong size is refused
      }
    }
  }

  @FuzzTest(maxDuration = "60s")
  void npyReader(byte[] data) {
    try {
      Npy.read(data, "fuzz.npy");
    } catch (ReparoException expected) {
      // refused with a message
    }
  }

  @FuzzTest(maxDuration = "60s")
  void imageDecoding(byte[] data) {
    try {
      BufferedImage img = ImageLoader.read(data, "fuzz-image");
      if (img.getType() != BufferedImage.TYPE_3BYTE_BGR || (long) img.getWidth() * img.getHeight() > ImageLoader.MAX_PIXELS) {
        throw new AssertionError("decoded " + img);
      }
    } catch (ReparoException expected) {
      // refused with a message
    }
  }
}
