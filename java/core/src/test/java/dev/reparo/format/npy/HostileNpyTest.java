package dev.reparo.format.npy;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code .npy} files that lie about themselves; each is a {@link ModelFormatException} naming the
 * file, never an exception from deep inside or an allocation sized by the lie.
 */
class HostileNpyTest {
  private static byte[] npy(int major, String dict, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
    out.write(header.length & 0xff);
    out.write(header.length >> 8);
    if (major >= 2) {
      out.write(0);
      out.write(0);
    }
    out.writeBytes(header);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  private static String dict(String descr, String fortran, String shape) {
    return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  }

  private static void refused(byte[] bytes, String... fragments) {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> Npy.read(bytes, "h.npy"));
    assertTrue(e.getMessage().startsWith("h.npy: "), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
    }
  }

  @Test
  void wrongMagicVersionOrHeaderLengthIsRefused() {
    byte[] good = npy(1, dict("<f4", "False", "(1,)"), new byte[4]);
    byte[] magic = good.clone();
    magic[1] = 'X';
    refused(magic, "wrong magic");
    byte[] version = good.clone();
    version[6] = 9;
    refused(version, "version 9");
    byte[] longHeader = good.clone();
    longHeader[8] = (byte) 0xff;
    longHeader[9] = (byte) 0xff;
    refused(longHeader, "truncated .npy header");
    byte[] v2 = npy(2, dict("<f4", "False", "(1,)"), new byte[4]);
    v2[11] = (byte) 0x7f; // header length near 2 GB
    refused(v2, "truncated .npy header");
    refused(Arrays.copyOf(good, 9), "not a .npy file");
    refused(Arrays.copyOf(good, 11), "truncated .npy header");
  }

  @Test
  void headerWithoutItsKeysIsRefused() {
    refused(npy(1, "{'fortran_order': False, 'shape': (1,), }", new byte[4]), "'descr'");
    refused(npy(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4]), "'fortran_order'");
    refused(npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[4]), "'shape'");
    refused(npy(1, dict("<f4", "False", "(two, 3)"), new byte[4]), "not a tuple of integers");
    refused(npy(1, "\u0000\u00ff garbage", new byte[4]), "'descr'");
  }

  @Test
  void fortranOrderIsRefused() {
    refused(npy(1, dict("<f4", "True", "(2, 3)"), new byte[24]), "Fortran");
  }

  @Test
  void unsupportedDtypesAreRefusedNamingThem() {
    for (String descr : new String[] {"<c8", "<c16", "|O", "<U3", "|S4", "<u2", "<u4", "<u8", "<M8[ns]", "<V4",
        "xf4", "<f16", ""}) {
      refused(npy(1, dict(descr, "False", "(1,)"), new byte[16]), "unsupported .npy dtype '" + descr + "'");
    }
    refused(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]), "'descr'");
  }

  @Test
  void shapesThatOverflowOrOutgrowTheFileAreRefusedBeforeAllocating() {
    refused(npy(1, dict("<f4", "False", "(2147483647, 2147483647)"), new byte[4]), "h.npy");
    refused(npy(1, dict("<f8", "False", "(1000000000,)"), new byte[8]), "truncated data");
    refused(npy(1, dict("<f4", "False", "(99999999999999999999,)"), new byte[4]), "h.npy");
    refused(npy(1, dict("<f4", "False", "(-3, 2)"), new byte[24]), "out of range");
  }
}
