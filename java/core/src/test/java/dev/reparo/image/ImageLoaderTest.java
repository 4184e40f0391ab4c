package dev.reparo.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageLoaderTest {
  private static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
    return out.toByteArray();
  }

  /** A w×h image whose left half is red and right half blue. */
  private static BufferedImage halves(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, w / 2, h);
    g.setColor(Color.BLUE);
    g.fillRect(w / 2, 0, w - w / 2, h);
    g.dispose();
    return img;
  }

  /** Inserts an EXIF APP1 segment holding only the orientation tag right after the JPEG's SOI. */
  private static byte[] withOrientation(byte[] jpeg, int orientation) {
    ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
    tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8); // header, IFD0 at 8
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    byte[] payload = new byte[6 + tiff.capacity()];
    System.arraycopy("Exif\0\0".getBytes(), 0, payload, 0, 6);
    System.arraycopy(tiff.array(), 0, payload, 6, tiff.capacity());
    return withSegment(jpeg, 0xE1, payload);
  }

  /** Inserts an APPn segment ({@code marker} 0xE0 + n) holding {@code payload} right after the JPEG's SOI. */
  private static byte[] withSegment(byte[] jpeg, int marker, byte[] payload) {
    int len = payload.length + 2;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xFF);
    out.write(0xD8);
    out.write(0xFF);
    out.write(marker);
    out.write(len >> 8);
    out.write(len & 0xff);
    out.writeBytes(payload);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  private static boolean reddish(BufferedImage img, int x, int y) {
    Color c = new Color(img.getRGB(x, y));
    return c.getRed() > 200 && c.getBlue() < 60;
  }

  @Test
  void decodesJpegToBgr() throws IOException {
    BufferedImage img = ImageLoader.read(encode(halves(40, 20), "jpg"), "halves.jpg");
    assertEquals(BufferedImage.TYPE_3BYTE_BGR, img.getType());
    assertEquals(40, img.getWidth());
    assertTrue(reddish(img, 5, 10) && !reddish(img, 35, 10));
  }

  @Test
  void honoursExifOrientation() throws IOException {
    byte[] jpeg = encode(halves(40, 20), "jpg");
    // 6: rotate 90° clockwise to display; the stored left half becomes the top half.
    BufferedImage six = ImageLoader.read(withOrientation(jpeg, 6), "six.jpg");
    assertEquals(20, six.getWidth());
    assertEquals(40, six.getHeight());
    assertTrue(reddish(six, 10, 5) && !reddish(six, 10, 35));
    // 8: rotate 270° clockwise; the stored left half becomes the bottom half.
    BufferedImage eight = ImageLoader.read(withOrientation(jpeg, 8), "eight.jpg");
    assertTrue(!reddish(eight, 10, 5) && reddish(eight, 10, 35));
    // 3: upside down; the left half ends up right.
    BufferedImage three = ImageLoader.read(withOrientation(jpeg, 3), "three.jpg");
    assertEquals(40, three.getWidth());
    assertTrue(!reddish(three, 5, 10) && reddish(three, 35, 10));
    // 2: mirrored; 1: as stored.
    assertTrue(reddish(ImageLoader.read(withOrientation(jpeg, 2), "two.jpg"), 35, 10));
    assertTrue(reddish(ImageLoader.read(withOrientation(jpeg, 1), "one.jpg"), 5, 10));
    assertEquals(6, ImageLoader.exifOrientation(withOrientation(jpeg, 6)));
  }

  /**
   * JPEGs without colour management are decoded straight into BGR, the others as the reader does
   * by itself; either way the pixels are exactly those of the reader's own BGR image.
   */
  @Test
  void everyKindOfJpegDecodesToTheReadersOwnPixels() throws IOException {
    BufferedImage scene = new dev.reparo.data.SceneGenerator(3).generate(0).image();
    java.util.List<byte[]> plain = new java.util.ArrayList<>();
    for (int[] size : new int[][] {{640, 480}, {333, 517}, {17, 9}, {1, 1}}) {
      BufferedImage img = new BufferedImage(size[0], size[1], BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.drawImage(scene, 0, 0, size[0], size[1], null);
      g.dispose();
      plain.add(encode(img, "jpg"));
    }
    byte[] jpeg = plain.get(1);
    plain.add(withOrientation(jpeg, 6));
    BufferedImage gray = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
    gray.createGraphics().drawImage(scene, 0, 0, 64, 48, null);
    byte[] profile = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB).getData();
    ByteArrayOutputStream icc = new ByteArrayOutputStream();
    icc.writeBytes("ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    icc.write(1);  // chunk 1 of 1
    icc.write(1);
    icc.writeBytes(profile);
    // Adobe APP14: version 100, no flags, transform 1 (YCbCr).
    byte[] adobe = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1};
    java.util.List<byte[]> managed = java.util.List.of(withSegment(jpeg, 0xE2, icc.toByteArray()),
        withSegment(jpeg, 0xEE, adobe), encode(gray, "jpg"));
    for (byte[] p : plain) {
      assertTrue(ImageLoader.plainColourJpeg(p));
    }
    assertTrue(!ImageLoader.plainColourJpeg(managed.get(0)) && !ImageLoader.plainColourJpeg(managed.get(1)));
    assertTrue(!ImageLoader.plainColourJpeg(encode(gray, "png")));
    java.util.List<byte[]> all = new java.util.ArrayList<>(plain);
    all.addAll(managed);
    for (int i = 0; i < all.size(); i++) {
      byte[] bytes = all.get(i);
      BufferedImage own = ImageLoader.toBgr(ImageIO.read(new java.io.ByteArrayInputStream(bytes)));
      int orientation = ImageLoader.exifOrientation(bytes);
      BufferedImage want = orientation > 1 ? ImageLoader.orient(own, orientation) : own;
      BufferedImage got = ImageLoader.read(bytes, "jpeg " + i);
      assertEquals(BufferedImage.TYPE_3BYTE_BGR, got.getType());
      assertArrayEquals(samples(want), samples(got), "jpeg " + i);
    }
  }

  private static byte[] samples(BufferedImage bgr) {
    return (byte[]) bgr.getRaster().getDataElements(0, 0, bgr.getWidth(), bgr.getHeight(), null);
  }

  @Test
  void sizeFromTheHeaderIsTheDecodedUprightSize(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws IOException {
    byte[] jpeg = encode(halves(40, 20), "jpg");
    for (int o : new int[] {1, 3, 6, 8}) {
      java.nio.file.Path f = java.nio.file.Files.write(dir.resolve(o + ".jpg"), withOrientation(jpeg, o));
      BufferedImage decoded = ImageLoader.read(f);
      assertArrayEquals(new int[] {decoded.getWidth(), decoded.getHeight()}, ImageLoader.size(f), "orientation " + o);
    }
    java.nio.file.Path text = java.nio.file.Files.writeString(dir.resolve("t.png"), "text");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ImageLoader.size(text));
    assertTrue(e.getMessage().contains("t.png"), e.getMessage());
  }

  @Test
  void everyOrientationIsAPermutationOfThePixels() {
    BufferedImage src = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
    for (int i = 0; i < 6; i++) {
      src.setRGB(i % 3, i / 3, (i + 1) * 0x101010);
    }
    // Expected display grids (row-major values 1..6 of the stored 3x2 image), from the EXIF spec's
    // definition of each orientation.
    int[][] expected = {
        null, null,
        {3, 2, 1, 6, 5, 4}, // 2 mirror
        {6, 5, 4, 3, 2, 1}, // 3 rotate 180
        {4, 5, 6, 1, 2, 3}, // 4 flip
        {1, 4, 2, 5, 3, 6}, // 5 transpose
        {4, 1, 5, 2, 6, 3}, // 6 rotate 90 cw
        {6, 3, 5, 2, 4, 1}, // 7 transverse
        {3, 6, 2, 5, 1, 4}, // 8 rotate 270 cw
    };
    for (int o = 2; o <= 8; o++) {
      BufferedImage out = ImageLoader.orient(src, o);
      int[] got = new int[6];
      for (int i = 0; i < 6; i++) {
        got[i] = (out.getRGB(i % out.getWidth(), i / out.getWidth()) & 0xff) / 0x10;
      }
      assertEquals(Arrays.toString(expected[o]), Arrays.toString(got), "orientation " + o);
    }
  }

  @Test
  void convertsGrayAlphaAnd16Bit() throws IOException {
    BufferedImage gray = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(1, 1, 0, 200);
    BufferedImage g = ImageLoader.read(encode(gray, "png"), "gray.png");
    assertEquals(new Color(200, 200, 200).getRGB(), g.getRGB(1, 1));

    BufferedImage argb = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(2, 2, 0x00_10_80_F0); // fully transparent, colour kept
    BufferedImage a = ImageLoader.read(encode(argb, "png"), "alpha.png");
    assertEquals(BufferedImage.TYPE_3BYTE_BGR, a.getType());
    assertEquals(0xFF_10_80_F0, a.getRGB(2, 2));

    BufferedImage deep = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
    deep.getRaster().setSample(0, 0, 0, 65535);
    BufferedImage d = ImageLoader.read(encode(deep, "png"), "deep.png");
    assertEquals(BufferedImage.TYPE_3BYTE_BGR, d.getType());
    assertEquals(255, d.getRGB(0, 0) & 0xff);
  }

  @Test
  void subsamplesHugeImagesWhileDecoding() throws IOException {
    BufferedImage big = halves(400, 300);
    BufferedImage small = ImageLoader.read(encode(big, "png"), "big.png", 400 * 300 / 4);
    assertEquals(200, small.getWidth());
    assertEquals(150, small.getHeight());
    assertTrue(reddish(small, 10, 10) && !reddish(small, 190, 10));
  }

  @Test
  void rejectsWhatIsNotAnImage() throws IOException {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ImageLoader.read(new byte[0], "empty.jpg"));
    assertTrue(e.getMessage().startsWith("empty.jpg: empty file"), e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> ImageLoader.read("not an image at all".getBytes(), "text.png"));
    assertTrue(e.getMessage().startsWith("text.png: not a recognised image format"), e.getMessage());
    byte[] png = encode(halves(64, 64), "png");
    e = assertThrows(InvalidInputException.class, () -> ImageLoader.read(Arrays.copyOf(png, png.length / 2), "cut.png"));
    assertTrue(e.getMessage().startsWith("cut.png: cannot"), e.getMessage());
  }

  @Test
  void fromBgrCopiesRowsWithAStrideFromTheBufferPosition() {
    // 3x2 pixels, stride 11 (2 padding bytes a row), starting 5 bytes into the buffer.
    ByteBuffer buf = ByteBuffer.allocate(5 + 11 + 9);
    for (int i = 0; i < buf.capacity(); i++) {
      buf.put(i, (byte) i);
    }
    buf.position(5);
    BufferedImage img = ImageLoader.fromBgr(buf, 3, 2, 11);
    assertEquals(BufferedImage.TYPE_3BYTE_BGR, img.getType());
    assertEquals(5, buf.position(), "the buffer's position does not move");
    // Pixel (x, y) is bytes B, G, R at 5 + y * 11 + x * 3.
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        int b = 5 + y * 11 + x * 3;
        assertEquals(((b + 2) << 16) | ((b + 1) << 8) | b, img.getRGB(x, y) & 0xFFFFFF, "pixel " + x + "," + y);
      }
    }
    buf.put(5, (byte) 99);
    assertEquals(5, img.getRGB(0, 0) & 0xFF, "a copy, not a view");
    assertThrows(IllegalArgumentException.class, () -> ImageLoader.fromBgr(buf, 3, 3, 11));
    assertThrows(IllegalArgumentException.class, () -> ImageLoader.fromBgr(buf, 4, 2, 11));
    assertThrows(IllegalArgumentException.class, () -> ImageLoader.fromBgr(buf, 0, 2, 11));
  }
}
