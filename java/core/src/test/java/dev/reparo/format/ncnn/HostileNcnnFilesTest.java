package dev.reparo.format.ncnn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import org.junit.jupiter.api.Test;

/**
 * Param/bin pairs that lie, as an attacker or a broken tool would write them: each is refused by
 * {@link NcnnReader} with a {@link ModelFormatException} naming the file (and line or layer), before
 * anything is allocated from the lie and before native code could see it.
 */
class HostileNcnnFilesTest {
  private static final String CONV = """
      7767517
      2 2
      Input            in0     0 1 in0 0=4 1=4 2=1
      Convolution      conv0   1 1 in0 out0 0=1 1=1 5=0 6=%s
      """;

  private static ModelFormatException refused(String param, byte[] bin) {
    return assertThrows(ModelFormatException.class, () -> NcnnReader.read(param, bin, "h.param", "h.bin"));
  }

  private static void assertMentions(ModelFormatException e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
  }

  @Test
  void weightCountFarBeyondTheBinIsRefusedWithoutAllocatingIt() {
    // 2e9 floats would be an 8 GB array; the reader must compare with the bin's size first.
    ModelFormatException e = refused(CONV.formatted("2000000000"), new byte[8]);
    assertMentions(e, "h.bin", "truncated", "conv0");
  }

  @Test
  void negativeWeightCountIsRefused() {
    assertMentions(refused(CONV.formatted("-4"), new byte[8]), "h.bin", "conv0", "-4");
  }

  @Test
  void floatWhereAnIntegerParameterIsReadIsRefused() {
    assertMentions(refused(CONV.formatted("1.5"), new byte[8]), "h.param", "conv0", "1.5");
    String input = "7767517\n1 1\nInput in0 0 1 in0 0=4.5 1=4 2=1\n";
    assertMentions(refused(input, new byte[0]), "h.param", "in0", "4.5");
  }

  @Test
  void arrayElementsThatAreNeitherIntNorDecimalAreRefused() {
    for (String bad : new String[] {"NaN", "Infinity", "1f", "0x10", "99999999999"}) {
      String param = "7767517\n2 2\nInput in0 0 1 in0\nReshape r 1 1 in0 out0 -23300=2,1," + bad + "\n";
      assertMentions(refused(param, new byte[0]), "h.param", "'r'", bad);
    }
  }

  @Test
  void magicCountsAndBlobWiringThatLieAreRefused() {
    String ok = CONV.formatted("1");
    byte[] bin = new byte[8];
    assertMentions(refused(ok.replace("7767517", "7767518"), bin), "h.param:1", "magic");
    assertMentions(refused(ok.replace("2 2", "9 2"), bin), "h.param", "declares 9 layers");
    assertMentions(refused(ok.replace("2 2", "2 7"), bin), "h.param", "declares 7 blobs");
    assertMentions(refused(ok.replace("2 2", "-1 2"), bin), "h.param", "layer_count");
    assertMentions(refused(ok.replace("2 2", "2147483648 2"), bin), "h.param", "layer_count");
    assertMentions(refused(ok.replace("1 1 in0 out0", "1 1 nowhere out0"), bin), "h.param", "nowhere");
    assertMentions(refused(ok.replace("1 1 in0 out0", "1 9 in0 out0"), bin), "h.param", "conv0", "9 tops");
    assertMentions(refused(ok.replace("1 1 in0 out0", "1 1 in0 in0"), bin), "h.param", "produced twice");
    assertMentions(refused(ok.replace("conv0", "in0"), bin), "h.param", "duplicate layer name");
  }

  @Test
  void binShorterOrLongerThanTheParamsImplyIsRefused() {
    String ok = CONV.formatted("1");
    // a tagged weight: 4-byte storage flag, then one float
    assertMentions(refused(ok, new byte[4]), "h.bin", "truncated", "conv0");
    assertMentions(refused(ok, new byte[0]), "h.bin", "truncated", "conv0");
    assertMentions(refused(ok, new byte[12]), "h.bin", "left over");
  }

  @Test
  void unknownLayerTypeIsRefusedNamingIt() {
    String param = "7767517\n2 2\nInput in0 0 1 in0\nEvilOp e 1 1 in0 out0\n";
    assertMentions(refused(param, new byte[0]), "h.param", "EvilOp");
  }
}
