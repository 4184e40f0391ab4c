package dev.reparo.format.npy;

import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import dev.reparo.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0–3.0) as float32 {@link Tensor}s.
 *
 * <p>Reading accepts C-order arrays of dtype float32, float64, float16, int8/16/32/64, uint8 and
 * bool in either byte order and converts them to float32; anything else (Fortran order, object or
 * structured dtypes, a payload shorter than the header promises) is a {@link ModelFormatException}
 * naming the file. Writing always produces little-endian float32, version 1.0, through a temporary
 * file renamed into place.
 *
 * <p>Stateless; safe to use from any thread.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** Reads {@code file} as a float32 tensor. */
  public static Tensor read(Path file) throws IOException {
    return read(Files.readAllBytes(file), file.toString());
  }

  /** Parses {@code bytes}; {@code source} names them in error messages. */
  public static Tensor read(byte[] bytes, String source) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 10) {
      throw new ModelFormatException(source + ": not a .npy file (only " + bytes.length + " bytes)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes[i] != MAGIC[i]) {
        throw new ModelFormatException(source + ": not a .npy file (wrong magic)");
      }
    }
    int major = bytes[6] & 0xff;
    long headerLength;
    int headerStart;
    if (major == 1) {
      headerLength = buf.getShort(8) & 0xffff;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new ModelFormatException(source + ": truncated .npy header");
      }
      headerLength = buf.getInt(8) & 0xffffffffL;
      headerStart = 12;
    } else {
      throw new ModelFormatException(source + ": unsupported .npy format version " + major);
    }
    if (headerStart + headerLength > bytes.length) {
      throw new ModelFormatException(source + ": truncated .npy header");
    }
    String header =
        new String(bytes, headerStart, (int) headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, source, "descr");
    if (group(FORTRAN, header, source, "fortran_order").equals("True")) {
      throw new ModelFormatException(source + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
    }
    int[] shape = parseShape(group(SHAPE, header, source, "shape"), source);
    Dtype dtype = Dtype.parse(descr, source);
    ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    long count;
    try {
      count = Tensor.elementCount(shape);
    } catch (RuntimeException e) {
      throw new ModelFormatException(source + ": " + e.getMessage());
    }
    int dataStart = headerStart + (int) headerLength;
    long needed = count * dtype.size;
    if (bytes.length - dataStart < needed) {
      throw new ModelFormatException(
          source + ": truncated data: shape needs " + needed + " bytes, file has " + (bytes.length - dataStart));
    }
    ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) needed).slice().order(order);
    float[] values = new float[(int) count];
    for (int i = 0; i < values.length; i++) {
      values[i] = dtype.read(data, i);
    }
    return Tensor.of(values, shape);
  }

  /** Writes {@code tensor} as a little-endian float32 {@code .npy}, atomically. */
  public static void write(Path file, Tensor tensor) throws IOException {
    StringJoiner shape = new StringJoiner(", ", "(", tensor.rank() == 1 ? ",)" : ")");
    for (int d : tensor.shape()) {
      shape.add(Integer.toString(d));
    }
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // The magic, version and length take 10 bytes; the header pads with spaces to a 64-byte multiple.
    int total = 10 + dict.length() + 1;
    int padded = (total + 63) / 64 * 64;
    String header = dict + " ".repeat(padded - total) + "\n";
    ByteBuffer out = ByteBuffer.allocate(10 + header.length() + 4 * tensor.size()).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    out.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (float v : tensor.data()) {
      out.putFloat(v);
    }
    AtomicFiles.write(file, out.array());
  }

  private static String group(Pattern p, String header, String source, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new ModelFormatException(source + ": .npy header has no readable '" + key + "': " + header.strip());
    }
    return m.group(1);
  }

  private static int[] parseShape(String text, String source) {
    List<Integer> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String t = part.strip();
      if (t.isEmpty()) {
        continue;
      }
      if (t.endsWith("L")) {
        t = t.substring(0, t.length() - 1);
      }
      try {
        long d = Long.parseLong(t);
        if (d < 0 || d > Integer.MAX_VALUE) {
          throw new ModelFormatException(source + ": .npy dimension out of range: " + t);
        }
        dims.add((int) d);
      } catch (NumberFormatException e) {
        throw new ModelFormatException(source + ": .npy shape is not a tuple of integers: (" + text + ")");
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The element types Reparo converts to float32. */
  private enum Dtype {
    F4(4), F8(8), F2(2), I1(1), U1(1), B1(1), I2(2), I4(4), I8(8);

    final int size;

    Dtype(int size) {
      this.size = size;
    }

    static Dtype parse(String descr, String source) {
      if (descr.length() != 3) {
        throw unsupported(descr, source);
      }
      char endian = descr.charAt(0);
      Dtype t;
      switch (descr.substring(1)) {
        case "f4" -> t = F4;
        case "f8" -> t = F8;
        case "f2" -> t = F2;
        case "i1" -> t = I1;
        case "u1" -> t = U1;
        case "b1" -> t = B1;
        case "i2" -> t = I2;
        case "i4" -> t = I4;
        case "i8" -> t = I8;
        default -> throw unsupported(descr, source);
      }
      if (endian != '<' && endian != '>' && endian != '|' && endian != '=') {
        throw unsupported(descr, source);
      }
      return t;
    }

    float read(ByteBuffer b, int i) {
      return switch (this) {
        case F4 -> b.getFloat(4 * i);
        case F8 -> (float) b.getDouble(8 * i);
        case F2 -> halfToFloat(b.getShort(2 * i));
        case I1 -> b.get(i);
        case U1, B1 -> b.get(i) & 0xff;
        case I2 -> b.getShort(2 * i);
        case I4 -> b.getInt(4 * i);
        case I8 -> b.getLong(8 * i);
      };
    }

    /** IEEE 754 binary16 to float32 (Float.float16ToFloat arrived after Java 17). */
    static float halfToFloat(short h) {
      int sign = (h & 0x8000) << 16;
      int exp = (h >>> 10) & 0x1f;
      int mant = h & 0x3ff;
      if (exp == 0x1f) {
        return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
      }
      if (exp == 0) {
        float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
        return sign != 0 ? -v : v;
      }
      return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static ModelFormatException unsupported(String descr, String source) {
      return new ModelFormatException(
          source + ": unsupported .npy dtype '" + descr + "' (float16/32/64, int8/16/32/64, uint8 and bool are read)");
    }
  }
}
