package dev.reparo.format.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  /** Builds a version-1 .npy the way numpy lays it out, independently of {@link Npy#write}. */
  private static byte[] npy(String dict, byte[] payload) {
    String header = dict;
    int pad = 64 - (10 + header.length() + 1) % 64;
    header = header + " ".repeat(pad % 64) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(header.length() & 0xff);
    out.write(header.length() >> 8);
    out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  @Test
  void readsNumpyWrittenFixture() throws Exception {
    // The fixture was written by numpy 2.4 (tools/models/export_fixtures.py): 1x16x32x32 float32.
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/repvgg_block-training-torchscript17/input.npy")) {
      bytes = in.readAllBytes();
    }
    Tensor t = Npy.read(bytes, "input.npy");
    assertEquals(16 * 32 * 32, t.size());
    assertEquals(4, t.rank());
    // The payload starts right after the header: compare with a direct little-endian decode.
    int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
    float first = ByteBuffer.wrap(bytes, 10 + headerLen, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
    assertEquals(first, t.data()[0]);
  }

  @Test
  void convertsOtherDtypesAndByteOrders() {
    ByteBuffer be = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.5).putDouble(-2.25);
    Tensor d = Npy.read(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be.array()), "be");
    assertArrayEquals(new float[] {1.5f, -2.25f}, d.data());

    ByteBuffer i8 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(-3).putLong(7).putLong(1L << 40);
    Tensor l = Npy.read(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 3), }", i8.array()), "i8");
    assertArrayEquals(new int[] {1, 3}, l.shape());
    assertArrayEquals(new float[] {-3f, 7f, (float) (1L << 40)}, l.data());

    // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001
    ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x7bff).putShort((short) 0x0001);
    Tensor f16 = Npy.read(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", h.array()), "f2");
    assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f}, f16.data());

    Tensor u8 = Npy.read(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", new byte[] {(byte) 255, 3}), "u1");
    assertArrayEquals(new float[] {255f, 3f}, u8.data());

    Tensor scalar = Npy.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(4.5f).array()), "scalar");
    assertEquals(0, scalar.rank());
    assertEquals(4.5f, scalar.data()[0]);
  }

  @Test
  void roundTripsThroughAFile(@TempDir Path dir) throws Exception {
    Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Path f = dir.resolve("x.npy");
    Npy.write(f, t);
    byte[] bytes = Files.readAllBytes(f);
    assertEquals(0, (bytes.length - 24) % 64, "header padded to 64 bytes");
    String header = new String(bytes, 10, 60, StandardCharsets.ISO_8859_1);
    assertTrue(header.contains("'shape': (2, 3)"), header);
    Tensor back = Npy.read(f);
    assertArrayEquals(t.shape(), back.shape());
    assertArrayEquals(t.data(), back.data());

    Npy.write(f, Tensor.of(new float[] {9}, 1));
    assertTrue(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains("(1,)"));
    assertEquals(1, Files.list(dir).count(), "no temporary file left behind");
  }

  @Test
  void rejectsBadFilesNamingThem() {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> Npy.read("hello world!".getBytes(), "a.npy"));
    assertTrue(e.getMessage().startsWith("a.npy: not a .npy file"), e.getMessage());

    e = assertThrows(ModelFormatException.class,
        () -> Npy.read(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]), "f.npy"));
    assertTrue(e.getMessage().contains("Fortran"), e.getMessage());

    e = assertThrows(ModelFormatException.class,
        () -> Npy.read(npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new byte[16]), "o.npy"));
    assertTrue(e.getMessage().contains("unsupported .npy dtype '|O'"), e.getMessage());

    e = assertThrows(ModelFormatException.class,
        () -> Npy.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", new byte[60]), "t.npy"));
    assertTrue(e.getMessage().contains("truncated data: shape needs 64 bytes, file has 60"), e.getMessage());

    e = assertThrows(ModelFormatException.class,
        () -> Npy.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[4]), "n.npy"));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
  }
}
