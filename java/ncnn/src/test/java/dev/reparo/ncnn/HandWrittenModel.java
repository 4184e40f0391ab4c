package dev.reparo.ncnn;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds small ncnn models in the tests: param text plus bin bytes, laid out as ncnn reads them.
 * A weight blob is a 4-byte tag (0 = raw float32) followed by the values; a bias is raw float32.
 */
final class HandWrittenModel {
  private final StringBuilder layers = new StringBuilder();
  private final ByteArrayOutputStream bin = new ByteArrayOutputStream();
  private int layerCount;
  private int blobCount;

  /** One layer line; {@code tops} counts new blobs. */
  HandWrittenModel layer(String type, String name, String[] bottoms, String[] tops, String params) {
    layers.append(type).append(' ').append(name).append(' ').append(bottoms.length).append(' ')
        .append(tops.length);
    for (String b : bottoms) {
      layers.append(' ').append(b);
    }
    for (String t : tops) {
      layers.append(' ').append(t);
    }
    if (!params.isEmpty()) {
      layers.append(' ').append(params);
    }
    layers.append('\n');
    layerCount++;
    blobCount += tops.length;
    return this;
  }

  /** Appends a weight blob: tag 0, then float32 values. */
  HandWrittenModel weights(float[] values) {
    writeInt(0);
    return raw(values);
  }

  /** Appends raw float32 values (biases). */
  HandWrittenModel raw(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    bin.writeBytes(b.array());
    return this;
  }

  private void writeInt(int v) {
    bin.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
  }

  byte[] param() {
    return ("7767517\n" + layerCount + " " + blobCount + "\n" + layers).getBytes(StandardCharsets.US_ASCII);
  }

  byte[] bin() {
    return bin.toByteArray();
  }

  static String[] blobs(String... names) {
    return names;
  }
}
