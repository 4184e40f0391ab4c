package dev.reparo.video;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;
import org.bytedeco.ffmpeg.global.avdevice;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;

/**
 * Loads bytedeco's FFmpeg libraries on first use and turns FFmpeg error codes into text.
 * Thread-safe.
 */
final class Ffmpeg {
  /** AVERROR(EAGAIN) on Linux: the codec wants more input (or output drained) first. */
  static final int EAGAIN = -11;

  private static boolean loaded;
  private static boolean devicesLoaded;

  private Ffmpeg() {}

  /** Loads the codec, format and scaling libraries; FFmpeg's own log is silenced (errors are ours to report). */
  static synchronized void load() {
    if (!loaded) {
      try {
        Loader.load(avformat.class);
        Loader.load(swscale.class);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        throw new VideoException("video support could not load FFmpeg's libraries: " + e.getMessage(), e);
      }
      av_log_set_level(AV_LOG_FATAL);
      loaded = true;
    }
  }

  private static boolean networkReady;

  /** Initialises FFmpeg's network protocols once (after {@link #load()}). */
  static synchronized void networkInit() {
    if (!networkReady) {
      org.bytedeco.ffmpeg.global.avformat.avformat_network_init();
      networkReady = true;
    }
  }

  /**
   * Also loads libavdevice (camera input). It needs system libraries that the other FFmpeg
   * libraries do not (PulseAudio's libpulse.so.0, libxcb), so it is loaded only for cameras.
   */
  static synchronized void loadDevices() {
    load();
    if (!devicesLoaded) {
      try {
        Loader.load(avdevice.class);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        throw new VideoException("camera capture needs FFmpeg's libavdevice, which could not load (" + e.getMessage()
            + "); on Debian or Raspberry Pi OS install its system libraries: sudo apt-get install libpulse0 libxcb-shm0", e);
      }
      avdevice.avdevice_register_all();
      devicesLoaded = true;
    }
  }

  /** FFmpeg's text for an error code, e.g. "Invalid data found when processing input". */
  static String error(int code) {
    byte[] buf = new byte[256];
    if (av_strerror(code, buf, buf.length) < 0) {
      return "FFmpeg error " + code;
    }
    int n = 0;
    while (n < buf.length && buf[n] != 0) {
      n++;
    }
    return new String(buf, 0, n, StandardCharsets.UTF_8);
  }
}
