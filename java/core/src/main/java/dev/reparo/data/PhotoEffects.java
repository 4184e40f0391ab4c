package dev.reparo.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * What a camera does to a {@link SceneStyle#VARIED} scene after it is drawn, each step with its own
 * probability: uneven lighting (a linear ramp or a vignette), brightness and contrast, a colour
 * cast, blur (one or two passes of a 3x3 binomial filter), sensor noise and JPEG compression at
 * quality 30-90 (decoded back, so the artefacts are in the pixels whatever the file is saved as).
 *
 * <p>Operates in place on {@code TYPE_3BYTE_BGR} images; the result depends only on the image and
 * the random stream. Stateless.
 */
final class PhotoEffects {
  static final double LIGHTING_P = 0.5;
  static final double TONE_P = 0.8;
  static final double BLUR_P = 0.35;
  static final double JPEG_P = 0.5;
  static final int MIN_JPEG_QUALITY = 30;
  static final int MAX_JPEG_QUALITY = 90;

  private PhotoEffects() {}

  /** Applies the effects to {@code image} and returns it (or its JPEG round trip). */
  static BufferedImage apply(BufferedImage image, SplittableRandom random) {
    byte[] bgr = pixels(image);
    int w = image.getWidth();
    int h = image.getHeight();
    if (random.nextDouble() < LIGHTING_P) {
      lighting(bgr, w, h, random);
    }
    if (random.nextDouble() < TONE_P) {
      double contrast = 0.55 + 0.75 * random.nextDouble();
      double brightness = 80 * (random.nextDouble() - 0.5);
      double[] cast = {0.8 + 0.4 * random.nextDouble(), 0.8 + 0.4 * random.nextDouble(),
          0.8 + 0.4 * random.nextDouble()};
      for (int i = 0; i < bgr.length; i++) {
        double v = ((bgr[i] & 0xff) - 128) * contrast + 128 + brightness;
        bgr[i] = (byte) Textures.clamp(v * cast[i % 3]);
      }
    }
    if (random.nextDouble() < BLUR_P) {
      int passes = 1 + random.nextInt(2);
      for (int p = 0; p < passes; p++) {
        blur(bgr, w, h);
      }
    }
    double sigma = 12 * random.nextDouble() * random.nextDouble();
    if (sigma > 0.5) {
      double scale = sigma * Math.sqrt(6); // u1 + u2 - 1 has variance 1/6
      for (int i = 0; i < bgr.length; i++) {
        bgr[i] = (byte) Textures.clamp((bgr[i] & 0xff)
            + (random.nextDouble() + random.nextDouble() - 1) * scale);
      }
    }
    if (random.nextDouble() < JPEG_P) {
      int quality = MIN_JPEG_QUALITY + random.nextInt(MAX_JPEG_QUALITY - MIN_JPEG_QUALITY + 1);
      return jpegRoundTrip(image, quality / 100f);
    }
    return image;
  }

  /** Multiplies by a linear ramp (0.5-1.3 across the image) or a vignette. */
  private static void lighting(byte[] bgr, int w, int h, SplittableRandom random) {
    boolean ramp = random.nextBoolean();
    double angle = 2 * Math.PI * random.nextDouble();
    double dx = StrictMath.cos(angle) / w;
    double dy = StrictMath.sin(angle) / h;
    double low = 0.5 + 0.3 * random.nextDouble();
    double high = 1 + 0.3 * random.nextDouble();
    double cx = w * (0.2 + 0.6 * random.nextDouble());
    double cy = h * (0.2 + 0.6 * random.nextDouble());
    double strength = 0.3 + 0.5 * random.nextDouble();
    double r2 = (double) w * w + (double) h * h;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double gain;
        if (ramp) {
          double t = 0.5 + (x - w / 2.0) * dx + (y - h / 2.0) * dy; // about 0..1
          gain = low + (high - low) * Math.max(0, Math.min(1, t));
        } else {
          double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r2;
          gain = Math.max(0.3, 1.1 - strength * 2.5 * d2);
        }
        int i = 3 * (y * w + x);
        for (int ch = 0; ch < 3; ch++) {
          bgr[i + ch] = (byte) Textures.clamp((bgr[i + ch] & 0xff) * gain);
        }
      }
    }
  }

  /** One pass of the separable [1 2 1]/4 filter, edges repeated. */
  static void blur(byte[] bgr, int w, int h) {
    int[] tmp = new int[bgr.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int l = Math.max(0, x - 1);
        int r = Math.min(w - 1, x + 1);
        for (int ch = 0; ch < 3; ch++) {
          tmp[3 * (y * w + x) + ch] = (bgr[3 * (y * w + l) + ch] & 0xff)
              + 2 * (bgr[3 * (y * w + x) + ch] & 0xff) + (bgr[3 * (y * w + r) + ch] & 0xff);
        }
      }
    }
    for (int y = 0; y < h; y++) {
      int u = Math.max(0, y - 1);
      int d = Math.min(h - 1, y + 1);
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < 3; ch++) {
          int sum = tmp[3 * (u * w + x) + ch] + 2 * tmp[3 * (y * w + x) + ch] + tmp[3 * (d * w + x) + ch];
          bgr[3 * (y * w + x) + ch] = (byte) ((sum + 8) / 16);
        }
      }
    }
  }

  /** The image after JPEG compression at {@code quality} and decoding, as TYPE_3BYTE_BGR. */
  static BufferedImage jpegRoundTrip(BufferedImage image, float quality) {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
    if (!writers.hasNext()) {
      throw new IllegalStateException("this JVM has no JPEG image writer");
    }
    ImageWriter writer = writers.next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException("JPEG encoding in memory failed", e);
    } finally {
      writer.dispose();
    }
    try {
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
      BufferedImage bgr = new BufferedImage(decoded.getWidth(), decoded.getHeight(),
          BufferedImage.TYPE_3BYTE_BGR);
      java.awt.Graphics g = bgr.getGraphics();
      try {
        g.drawImage(decoded, 0, 0, null);
      } finally {
        g.dispose();
      }
      return bgr;
    } catch (IOException e) {
      throw new UncheckedIOException("JPEG decoding in memory failed", e);
    }
  }

  private static byte[] pixels(BufferedImage image) {
    return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
  }
}
