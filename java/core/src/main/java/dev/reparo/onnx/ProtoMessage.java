package dev.reparo.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A protobuf message to be written: fields in order, nested messages sized before anything is
 * written, so that large tensors go straight from their arrays to the output without intermediate
 * copies. Not thread-safe; build, then write once.
 */
final class ProtoMessage {
  private interface Field {
    long size();

    void write(CodedOutputStream out) throws IOException;
  }

  private final List<Field> fields = new ArrayList<>();
  private long size = -1;

  ProtoMessage int64(int number, long v) {
    return add(CodedOutputStream.computeInt64Size(number, v), out -> out.writeInt64(number, v));
  }

  ProtoMessage int32(int number, int v) {
    return add(CodedOutputStream.computeInt32Size(number, v), out -> out.writeInt32(number, v));
  }

  ProtoMessage float32(int number, float v) {
    return add(CodedOutputStream.computeFloatSize(number, v), out -> out.writeFloat(number, v));
  }

  ProtoMessage string(int number, String s) {
    return add(CodedOutputStream.computeStringSize(number, s), out -> out.writeString(number, s));
  }

  ProtoMessage bytes(int number, byte[] b) {
    return add(CodedOutputStream.computeByteArraySize(number, b), out -> out.writeByteArray(number, b));
  }

  ProtoMessage message(int number, ProtoMessage m) {
    long len = m.size();
    long total = CodedOutputStream.computeTagSize(number) + CodedOutputStream.computeUInt64SizeNoTag(len) + len;
    return add(total, out -> {
      out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt64NoTag(len);
      m.writeTo(out);
    });
  }

  /** A bytes field holding {@code v} as little-endian float32. */
  ProtoMessage rawFloats(int number, float[] v) {
    long len = 4L * v.length;
    return add(lengthDelimitedSize(number, len), out -> {
      out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt64NoTag(len);
      for (float f : v) {
        out.writeFixed32NoTag(Float.floatToRawIntBits(f));
      }
    });
  }

  /** A bytes field holding {@code v} as little-endian integers of {@code width} bytes each. */
  ProtoMessage rawInts(int number, long[] v, int width) {
    long len = (long) width * v.length;
    return add(lengthDelimitedSize(number, len), out -> {
      out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt64NoTag(len);
      for (long x : v) {
        switch (width) {
          case 8 -> out.writeFixed64NoTag(x);
          case 4 -> out.writeFixed32NoTag((int) x);
          case 2 -> {
            out.write((byte) x);
            out.write((byte) (x >>> 8));
          }
          default -> out.write((byte) x);
        }
      }
    });
  }

  /** The serialized size in bytes. */
  long size() {
    if (size < 0) {
      long s = 0;
      for (Field f : fields) {
        s += f.size();
      }
      size = s;
    }
    return size;
  }

  void writeTo(CodedOutputStream out) throws IOException {
    for (Field f : fields) {
      f.write(out);
    }
  }

  private static long lengthDelimitedSize(int number, long len) {
    return CodedOutputStream.computeTagSize(number) + CodedOutputStream.computeUInt64SizeNoTag(len) + len;
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private ProtoMessage add(long fieldSize, Writer w) {
    size = -1;
    fields.add(new Field() {
      @Override
      public long size() {
        return fieldSize;
      }

      @Override
      public void write(CodedOutputStream out) throws IOException {
        w.write(out);
      }
    });
    return this;
  }
}
