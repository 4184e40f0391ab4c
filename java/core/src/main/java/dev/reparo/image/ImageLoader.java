package dev.reparo.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import dev.reparo.InvalidInputException;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes encoded images (JPEG incl. CMYK, PNG, GIF's first frame, BMP, and whatever other ImageIO
 * plugins are present) into 8-bit BGR {@link BufferedImage}s ({@code TYPE_3BYTE_BGR}) upright as
 * the camera's EXIF orientation says. Grayscale, palette and 16-bit images are converted; alpha is
 * dropped (the colour under it is kept, as OpenCV's {@code imread} does).
 *
 * <p>Memory is bounded: an image with more than {@link #MAX_PIXELS} pixels is decoded with
 * subsampling (every n-th pixel), so a 30 000 × 30 000 image costs no more than a 50-megapixel
 * one. Anything that is not a decodable image is an {@link InvalidInputException} naming the
 * source, including a JPEG whose data ends early (which decoders would otherwise pad with grey).
 * Encoded bytes are read in memory: streams from {@code ImageIO.createImageInputStream} would copy
 * them into a temporary file first (ImageIO's disk cache), twice per image.
 * Stateless and thread-safe.
 */
public final class ImageLoader {
  /** Largest decoded size in pixels; larger images are subsampled while decoding. */
  public static final long MAX_PIXELS = 50_000_000L;
  /** The APP segments that ask for colour conversion: ICC profiles (APP2) and Adobe's (APP14), any identifier. */
  private static final Map<Integer, List<String>> COLOUR_SEGMENTS =
      Map.of(0xFFE2, JPEGSegmentUtil.ALL_IDS, 0xFFEE, JPEGSegmentUtil.ALL_IDS);

  private ImageLoader() {}

  public static BufferedImage read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file + ": no such image file");
    }
    return read(bytes, file.toString());
  }

  /**
   * The upright size {width, height} of an image file, from its header and EXIF orientation,
   * without decoding the pixels: the size {@link #read(Path)} would return (below {@link #MAX_PIXELS}).
   *
   * @throws InvalidInputException naming the file when it is not a readable image
   */
  public static int[] size(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file + ": no such image file");
    }
    try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (bytes.length == 0 || !readers.hasNext()) {
        throw new InvalidInputException(file + ": not a recognised image format");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w <= 0 || h <= 0) {
          throw new InvalidInputException(file + ": image has no pixels (" + w + "x" + h + ")");
        }
        return exifOrientation(bytes) >= 5 ? new int[] {h, w} : new int[] {w, h};
      } finally {
        reader.dispose();
      }
    } catch (IIOException | IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new InvalidInputException(file + ": cannot read image header: " + e.getMessage(), e);
    }
  }

  /** Decodes {@code encoded}; {@code source} names it in error messages. */
  public static BufferedImage read(byte[] encoded, String source) {
    return read(encoded, source, MAX_PIXELS);
  }

  static BufferedImage read(byte[] encoded, String source, long maxPixels) {
    if (encoded.length == 0) {
      throw new InvalidInputException(source + ": empty file, not an image");
    }
    BufferedImage decoded;
    try (ImageInputStream in = new ByteArrayImageInputStream(encoded)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new InvalidInputException(source + ": not a recognised image format");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        decoded = decode(reader, source, maxPixels, plainColourJpeg(encoded));
      } finally {
        reader.dispose();
      }
    } catch (IIOException | IndexOutOfBoundsException | IllegalArgumentException | NegativeArraySizeException e) {
      throw new InvalidInputException(source + ": cannot decode image: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new InvalidInputException(source + ": cannot read image: " + e.getMessage(), e);
    }
    if (decoded == null) {
      throw new InvalidInputException(source + ": image has no frames");
    }
    BufferedImage bgr = toBgr(decoded);
    int orientation = exifOrientation(encoded);
    return orientation <= 1 ? bgr : orient(bgr, orientation);
  }

  /**
   * @param plainColour a JPEG without colour management ({@link #plainColourJpeg}): decoded straight
   *     into BGR where the reader's own destination would be BGR
   */
  private static BufferedImage decode(ImageReader reader, String source, long maxPixels, boolean plainColour)
      throws IOException {
    int w = reader.getWidth(0);
    int h = reader.getHeight(0);
    if (w <= 0 || h <= 0) {
      throw new InvalidInputException(source + ": image has no pixels (" + w + "x" + h + ")");
    }
    ImageReadParam param = reader.getDefaultReadParam();
    long pixels = (long) w * h;
    if (pixels > maxPixels) {
      int step = (int) Math.ceil(Math.sqrt((double) pixels / maxPixels));
      param.setSourceSubsampling(step, step, 0, 0);
    }
    // JPEG decoders fill missing data with grey and only warn; a detector must not see that.
    String[] truncated = {null};
    reader.addIIOReadWarningListener((r, warning) -> {
      if (truncated[0] == null && warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
        truncated[0] = warning;
        r.abort();
      }
    });
    Iterator<ImageTypeSpecifier> types = plainColour && pixels <= maxPixels ? reader.getImageTypes(0) : null;
    ImageTypeSpecifier type = types != null && types.hasNext() ? types.next() : null;
    BufferedImage img = type != null && type.getBufferedImageType() == BufferedImage.TYPE_3BYTE_BGR
        ? readRgbAsBgr(reader, param, w, h, type.getColorModel())
        : reader.read(0, param);
    if (truncated[0] != null) {
      throw new InvalidInputException(source + ": truncated or corrupt image data (" + truncated[0] + ")");
    }
    return img;
  }

  /**
   * Decodes into a raster with the reader's colour model ({@code bgr}: sRGB, as its TYPE_3BYTE_BGR
   * destination has) but the samples in R, G, B order, then swaps R and B in place: the same values
   * as reading into TYPE_3BYTE_BGR, where the reader copies each decoded row into the image sample
   * by sample (ImageIO's generic path for rasters whose bands are in another order), which took a
   * fifth of the decoding time. Only for images with no colour conversion to do (no ICC profile, no
   * Adobe marker), so that every sample is a copy of what the decoder produced.
   */
  private static BufferedImage readRgbAsBgr(ImageReader reader, ImageReadParam param, int w, int h, ColorModel bgr)
      throws IOException {
    byte[] samples = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    DataBufferByte buffer = new DataBufferByte(samples, samples.length);
    WritableRaster rgb = Raster.createInterleavedRaster(buffer, w, h, w * 3, 3, new int[] {0, 1, 2}, null);
    param.setDestination(new BufferedImage(bgr, rgb, false, null));
    reader.read(0, param);
    for (int i = 0; i < samples.length; i += 3) {
      byte r = samples[i];
      samples[i] = samples[i + 2];
      samples[i + 2] = r;
    }
    return new BufferedImage(bgr, Raster.createInterleavedRaster(buffer, w, h, w * 3, 3, new int[] {2, 1, 0}, null),
        false, null);
  }

  /** Whether {@code encoded} starts as a JPEG does (start-of-image marker). */
  private static boolean isJpeg(byte[] encoded) {
    return encoded.length >= 4 && (encoded[0] & 0xff) == 0xFF && (encoded[1] & 0xff) == 0xD8;
  }

  /**
   * Whether {@code encoded} is a JPEG without colour management: no ICC profile (APP2) and no Adobe
   * marker (APP14, which CMYK, YCCK and RGB files carry). Decoding such a file converts no colours
   * beyond the decoder's own YCbCr to RGB.
   */
  static boolean plainColourJpeg(byte[] encoded) {
    if (!isJpeg(encoded)) {
      return false;
    }
    try (ImageInputStream in = new ByteArrayImageInputStream(encoded)) {
      return JPEGSegmentUtil.readSegments(in, COLOUR_SEGMENTS).isEmpty();
    } catch (IOException | RuntimeException e) {
      return false;  // the decoder reports what is wrong with the file; this only chooses the slower path
    }
  }

  /**
   * A new 8-bit BGR image ({@link BufferedImage#TYPE_3BYTE_BGR}) holding a copy of packed BGR pixels,
   * {@code stride} bytes per row from {@code bgr}'s position (which does not move): a video frame.
   *
   * @throws IllegalArgumentException if the size is not positive or {@code bgr} holds too few bytes
   */
  public static BufferedImage fromBgr(java.nio.ByteBuffer bgr, int width, int height, int stride) {
    if (width <= 0 || height <= 0 || stride < width * 3L
        || bgr.remaining() < (long) stride * (height - 1) + width * 3L) {
      throw new IllegalArgumentException("a " + width + "x" + height + " BGR image with stride " + stride
          + " needs more than the " + bgr.remaining() + " bytes given");
    }
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    byte[] data = ((java.awt.image.DataBufferByte) out.getRaster().getDataBuffer()).getData();
    int base = bgr.position();
    for (int y = 0; y < height; y++) {
      bgr.get(base + y * stride, data, y * width * 3, width * 3);
    }
    return out;
  }

  /** Converts any decoded raster to 8-bit BGR; images already in that layout are returned as is. */
  public static BufferedImage toBgr(BufferedImage in) {
    if (in.getType() == BufferedImage.TYPE_3BYTE_BGR) {
      return in;
    }
    BufferedImage out = new BufferedImage(in.getWidth(), in.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    if (in.getColorModel().hasAlpha()) {
      // Drop alpha without compositing: copy the colour a row at a time.
      int[] row = new int[in.getWidth()];
      for (int y = 0; y < in.getHeight(); y++) {
        in.getRGB(0, y, row.length, 1, row, 0, row.length);
        out.setRGB(0, y, row.length, 1, row, 0, row.length);
      }
    } else {
      Graphics2D g = out.createGraphics();
      try {
        g.drawImage(in, 0, 0, null);
      } finally {
        g.dispose();
      }
    }
    return out;
  }

  /** The EXIF orientation tag (1–8) of a JPEG, or 1 when there is none or it cannot be read. */
  static int exifOrientation(byte[] encoded) {
    if (!isJpeg(encoded)) {
      return 1;
    }
    try (ImageInputStream in = new ByteArrayImageInputStream(encoded)) {
      List<JPEGSegment> segments = JPEGSegmentUtil.readSegments(in, 0xFFE1, "Exif");
      if (segments.isEmpty()) {
        return 1;
      }
      InputStream data = segments.get(0).data();
      data.read(); // the pad byte after "Exif\0"
      try (ImageInputStream exif = new ByteArrayImageInputStream(data.readAllBytes())) {
        Directory dir = new TIFFReader().read(exif);
        Entry e = dir.getEntryById(TIFF.TAG_ORIENTATION);
        if (e != null && e.getValue() instanceof Number n && n.intValue() >= 1 && n.intValue() <= 8) {
          return n.intValue();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Broken EXIF does not make a broken image: keep the pixels as stored.
    }
    return 1;
  }

  /** Applies EXIF orientation {@code o} (2–8): mirrors and quarter turns so the image is upright. */
  static BufferedImage orient(BufferedImage img, int o) {
    int w = img.getWidth();
    int h = img.getHeight();
    AffineTransform t = new AffineTransform();
    switch (o) {
      case 2 -> { t.translate(w, 0); t.scale(-1, 1); }
      case 3 -> { t.translate(w, h); t.rotate(Math.PI); }
      case 4 -> { t.translate(0, h); t.scale(1, -1); }
      case 5 -> { t.rotate(-Math.PI / 2); t.scale(-1, 1); }
      case 6 -> { t.translate(h, 0); t.rotate(Math.PI / 2); }
      case 7 -> { t.scale(-1, 1); t.translate(-h, 0); t.translate(0, w); t.rotate(3 * Math.PI / 2); }
      case 8 -> { t.translate(0, w); t.rotate(3 * Math.PI / 2); }
      default -> {
        return img;
      }
    }
    boolean swap = o >= 5;
    BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_3BYTE_BGR);
    new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(img, out);
    return out;
  }
}
