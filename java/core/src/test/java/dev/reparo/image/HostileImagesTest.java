package dev.reparo.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.InvalidInputException;
import java.awt.Color;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Images as users and the internet deliver them: empty, tiny, enormous, cut short, in odd colour
 * models, animated, or not images at all. Each either decodes to an upright BGR image of bounded
 * size or is refused with an {@link InvalidInputException} naming the source.
 */
class HostileImagesTest {
  private static InvalidInputException refused(byte[] bytes, String name) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ImageLoader.read(bytes, name));
    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
    return e;
  }

  private static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static BufferedImage filled(int w, int h, Color c) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    var g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  // ---- hand-made PNGs: any header, any (or no) pixel data

  private static byte[] chunk(String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(t).put(data).putInt((int) crc.getValue())
        .array();
  }

  /** A PNG with the given header and IDAT payload (none if null). */
  private static byte[] png(int w, int h, int bitDepth, int colorType, byte[] idat) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    out.writeBytes(chunk("IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) bitDepth)
        .put((byte) colorType).put((byte) 0).put((byte) 0).put((byte) 0).array()));
    if (idat != null) {
      out.writeBytes(chunk("IDAT", idat));
    }
    out.writeBytes(chunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  /** Deflated all-zero scanlines (filter byte + row), as an IDAT payload. */
  private static byte[] zeroRows(int h, int bytesPerRow) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(bytes, new Deflater(9))) {
      byte[] row = new byte[1 + bytesPerRow];
      for (int y = 0; y < h; y++) {
        z.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Test
  void zeroSizeImagesAreRefused() {
    refused(png(0, 10, 8, 2, zeroRows(10, 0)), "zero-width.png");
    refused(png(10, 0, 8, 2, zeroRows(0, 30)), "zero-height.png");
    refused(new byte[0], "empty.jpg");
  }

  @Test
  void oneByOnePixelImagesDecode() {
    for (String format : new String[] {"png", "jpeg", "gif", "bmp"}) {
      BufferedImage img = ImageLoader.read(encode(filled(1, 1, Color.WHITE), format), "1x1." + format);
      assertEquals(1, img.getWidth(), format);
      assertEquals(1, img.getHeight(), format);
      assertEquals(BufferedImage.TYPE_3BYTE_BGR, img.getType(), format);
      assertTrue((img.getRGB(0, 0) & 0xff) > 240, format + " white pixel came back as " + new Color(img.getRGB(0, 0)));
    }
  }

  @Test
  void thirtyThousandSquareIsSubsampledWhileDecoding() {
    // 900 megapixels (2.7 GB as BGR) in a 110 kB 1-bit PNG; it must come back at most MAX_PIXELS.
    byte[] huge = png(30_000, 30_000, 1, 0, zeroRows(30_000, 30_000 / 8));
    BufferedImage img = ImageLoader.read(huge, "huge.png");
    assertTrue((long) img.getWidth() * img.getHeight() <= ImageLoader.MAX_PIXELS,
        img.getWidth() + "x" + img.getHeight());
    assertEquals(img.getWidth(), img.getHeight());
    assertTrue(img.getWidth() >= 5_000, "subsampled no more than needed: " + img.getWidth());
  }

  @Test
  void hugeHeadersWithoutTheirPixelDataAreRefused() {
    refused(png(30_000, 30_000, 8, 2, null), "header-only.png");
    refused(png(30_000, 30_000, 8, 2, new byte[] {0x78, (byte) 0x9c, 0, 0}), "cut-idat.png");
    // a 16x16 JPEG whose frame header claims 30000x30000: refused at the first missing scan data
    byte[] jpeg = encode(filled(16, 16, Color.GRAY), "jpeg");
    for (int i = 0; i + 8 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xFF && (jpeg[i + 1] & 0xff) == 0xC0) { // SOF0: length, precision, h, w
        jpeg[i + 5] = (byte) (30_000 >> 8);
        jpeg[i + 6] = (byte) 30_000;
        jpeg[i + 7] = (byte) (30_000 >> 8);
        jpeg[i + 8] = (byte) 30_000;
        break;
      }
    }
    assertTrue(refused(jpeg, "huge-sof.jpg").getMessage().contains("truncated"));
    ByteBuffer bmp = ByteBuffer.allocate(54 + 64).order(ByteOrder.LITTLE_ENDIAN);
    bmp.put((byte) 'B').put((byte) 'M').putInt(bmp.capacity()).putInt(0).putInt(54);
    bmp.putInt(40).putInt(30_000).putInt(30_000).putShort((short) 1).putShort((short) 24);
    refused(bmp.array(), "huge.bmp");
  }

  @Test
  void truncatedJpegAndPngAreRefused() {
    BufferedImage noise = new BufferedImage(128, 96, BufferedImage.TYPE_3BYTE_BGR);
    java.util.Random r = new java.util.Random(7);
    for (int y = 0; y < 96; y++) {
      for (int x = 0; x < 128; x++) {
        noise.setRGB(x, y, r.nextInt());
      }
    }
    for (String format : new String[] {"jpeg", "png", "gif"}) {
      byte[] full = encode(noise, format);
      for (double keep : new double[] {0.05, 0.5, 0.95}) {
        refused(Arrays.copyOf(full, (int) (full.length * keep)), "cut-" + keep + "." + format);
      }
    }
  }

  @Test
  void cmykJpegComesBackInRgb() throws IOException {
    // Adobe CMYK JPEGs store ink inverted: 0 is full ink. Full cyan, nothing else.
    WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        cmyk.setPixel(x, y, new int[] {0, 255, 255, 255});
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(ios);
      writer.write(null, new IIOImage(cmyk, null, null), null);
    } finally {
      writer.dispose();
    }
    byte[] plain = out.toByteArray();
    byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}; // transform 0
    byte[] jpeg = new byte[plain.length + adobe.length];
    System.arraycopy(plain, 0, jpeg, 0, 2);
    System.arraycopy(adobe, 0, jpeg, 2, adobe.length);
    System.arraycopy(plain, 2, jpeg, 2 + adobe.length, plain.length - 2);
    BufferedImage img = ImageLoader.read(jpeg, "cmyk.jpg");
    Color c = new Color(img.getRGB(4, 4));
    assertEquals(BufferedImage.TYPE_3BYTE_BGR, img.getType());
    assertTrue(c.getRed() < 40 && c.getGreen() > 215 && c.getBlue() > 215, "cyan came back as " + c);
  }

  @Test
  void sixteenBitRgbPngKeepsTheHighByte() {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
        java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
    WritableRaster raster = cm.createCompatibleWritableRaster(3, 2);
    raster.setPixel(1, 1, new int[] {0xFFFF, 0x8000, 0x00FF});
    byte[] png = encode(new BufferedImage(cm, raster, false, null), "png");
    assertEquals(16, png[24], "bit depth in IHDR");
    Color c = new Color(ImageLoader.read(png, "deep.png").getRGB(1, 1));
    assertEquals(255, c.getRed());
    assertEquals(128, c.getGreen(), 1);
    assertEquals(0, c.getBlue(), 1);
  }

  @Test
  void animatedGifGivesItsFirstFrame() throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(ios);
      writer.prepareWriteSequence(null);
      for (Color c : new Color[] {Color.RED, Color.BLUE, Color.GREEN}) {
        BufferedImage frame = filled(12, 10, c);
        IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(meta.getNativeMetadataFormatName());
        IIOMetadataNode gce = new IIOMetadataNode("GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", "10");
        gce.setAttribute("transparentColorIndex", "0");
        root.appendChild(gce);
        meta.mergeTree(meta.getNativeMetadataFormatName(), root);
        writer.writeToSequence(new IIOImage(frame, null, meta), null);
      }
      writer.endWriteSequence();
    } finally {
      writer.dispose();
    }
    byte[] gif = out.toByteArray();
    try (var in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(gif))) {
      var reader = ImageIO.getImageReaders(in).next();
      reader.setInput(in);
      assertEquals(3, reader.getNumImages(true), "the test GIF is animated");
    }
    BufferedImage img = ImageLoader.read(gif, "anim.gif");
    assertEquals(12, img.getWidth());
    Color c = new Color(img.getRGB(5, 5));
    assertTrue(c.getRed() > 240 && c.getBlue() < 15, "first frame is red, got " + c);
  }

  @Test
  void bytesThatAreNotAnImageAreRefused() {
    assertTrue(refused("%PDF-1.7 not an image".getBytes(), "doc.pdf").getMessage().contains("not a recognised"));
    refused(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3}, "png-magic.png");
    refused(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3}, "jpeg-magic.jpg");
    refused("GIF89a\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1), "gif-magic.gif");
    refused(new byte[] {'B', 'M', 0, 0}, "bmp-magic.bmp");
  }
}
