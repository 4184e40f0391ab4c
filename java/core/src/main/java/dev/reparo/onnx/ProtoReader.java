package dev.reparo.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Field-by-field reading of protobuf messages over protobuf-java's {@link CodedInputStream}: a
 * message is a loop over its fields, nested messages are read inside a pushed limit, repeated
 * scalars are accepted packed or unpacked. Errors are {@link IOException}s (protobuf's own for
 * truncated or malformed input, {@link WireTypeException} for a field of the wrong kind); {@link
 * OnnxReader} turns them into messages naming the file. Not thread-safe: one reader per stream.
 */
final class ProtoReader {
  /** The handler of one field of a message: {@code number} and wire type from the tag. */
  interface FieldHandler {
    void field(int number, int wireType) throws IOException;
  }

  /** A field that holds something other than what the schema says (a string where a number was due). */
  static final class WireTypeException extends IOException {
    private static final long serialVersionUID = 1L;

    WireTypeException(String message) {
      super(message);
    }
  }

  private final CodedInputStream in;
  private int lastTag;

  ProtoReader(byte[] bytes) {
    this.in = CodedInputStream.newInstance(bytes);
    in.enableAliasing(true);
    in.setSizeLimit(Integer.MAX_VALUE);
  }

  /** Reads fields until the end of the input, calling {@code handler} for each. */
  void readTopLevel(FieldHandler handler) throws IOException {
    readFields(handler);
  }

  /** Reads a length-delimited nested message, calling {@code handler} for each of its fields. */
  void readMessage(int wireType, String what, FieldHandler handler) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
    int length = in.readRawVarint32();
    int oldLimit = in.pushLimit(length); // rejects negative lengths and lengths past the end
    readFields(handler);
    in.popLimit(oldLimit);
  }

  private void readFields(FieldHandler handler) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      lastTag = tag;
      handler.field(WireFormat.getTagFieldNumber(tag), WireFormat.getTagWireType(tag));
    }
  }

  /** Skips the field whose tag was read last. */
  void skip() throws IOException {
    in.skipField(lastTag);
  }

  String string(int wireType, String what) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
    return in.readStringRequireUtf8();
  }

  /** A {@code bytes} field decoded as UTF-8 (ONNX keeps string attributes as bytes). */
  String bytesAsString(int wireType, String what) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
    return in.readBytes().toString(StandardCharsets.UTF_8);
  }

  /** A {@code bytes} field, sharing the input array where it can. */
  ByteString bytes(int wireType, String what) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
    return in.readBytes();
  }

  long int64(int wireType, String what) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_VARINT, what);
    return in.readInt64();
  }

  int int32(int wireType, String what) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_VARINT, what);
    return in.readInt32();
  }

  float float32(int wireType, String what) throws IOException {
    expect(wireType, WireFormat.WIRETYPE_FIXED32, what);
    return in.readFloat();
  }

  /** One or more {@code float} values of a repeated field, packed or not, appended to {@code to}. */
  void floats(int wireType, String what, FloatList to) throws IOException {
    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int oldLimit = pushPacked(4, what);
      while (in.getBytesUntilLimit() > 0) {
        to.add(in.readFloat());
      }
      in.popLimit(oldLimit);
    } else {
      to.add(float32(wireType, what));
    }
  }

  /** One or more varint values (int32/int64/uint64 alike) of a repeated field, appended to {@code to}. */
  void varints(int wireType, String what, LongList to) throws IOException {
    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int oldLimit = pushPacked(1, what);
      while (in.getBytesUntilLimit() > 0) {
        to.add(in.readRawVarint64());
      }
      in.popLimit(oldLimit);
    } else {
      expect(wireType, WireFormat.WIRETYPE_VARINT, what);
      to.add(in.readRawVarint64());
    }
  }

  /** One or more {@code double} values of a repeated field, appended to {@code to} as raw bits. */
  void doubles(int wireType, String what, LongList to) throws IOException {
    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int oldLimit = pushPacked(8, what);
      while (in.getBytesUntilLimit() > 0) {
        to.add(in.readRawLittleEndian64());
      }
      in.popLimit(oldLimit);
    } else {
      expect(wireType, WireFormat.WIRETYPE_FIXED64, what);
      to.add(in.readRawLittleEndian64());
    }
  }

  private int pushPacked(int elementSize, String what) throws IOException {
    int length = in.readRawVarint32();
    if (length % elementSize != 0) {
      throw new WireTypeException(what + ": packed field of " + length + " bytes is not a whole number of "
          + elementSize + "-byte values");
    }
    return in.pushLimit(length);
  }

  private static void expect(int wireType, int wanted, String what) throws WireTypeException {
    if (wireType != wanted) {
      throw new WireTypeException(what + " has protobuf wire type " + wireType + ", expected " + wanted);
    }
  }

  /** A growable list of primitive floats. */
  static final class FloatList {
    private float[] values = new float[8];
    private int size;

    void add(float v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, Math.max(8, size * 2));
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    float[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }

  /** A growable list of primitive longs. */
  static final class LongList {
    private long[] values = new long[8];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, Math.max(8, size * 2));
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    long get(int i) {
      return values[i];
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
