package dev.reparo.video;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_find_input_format;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_q2d;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import dev.reparo.image.ImageLoader;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.ffmpeg.swscale.SwsFilter;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Decodes the frames of a video file (any container and codec FFmpeg reads), a network stream
 * (http(s), rtsp, rtmp, ...) or a V4L2 camera into packed 8-bit BGR pixels in a direct buffer, one
 * frame at a time. Holds FFmpeg's native decoder and buffers until {@link #close()}.
 *
 * <pre>{@code
 * try (VideoInput in = VideoInput.open(Path.of("street.mp4"));
 *      VideoOutput out = new VideoOutput(Path.of("boxes.mp4"), in.frameWidth(), in.frameHeight(), in.frameRate())) {
 *   while (in.read()) {
 *     List<Detection> dets = detector.detect(in.bgr(), in.frameWidth(), in.frameHeight(), in.stride());
 *     out.write(DetectionPainter.paint(in.image(), dets));
 *   }
 *   out.finish();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: use one instance from one thread (or hand it over with a happens-before
 * edge). {@link #bgr()} is overwritten by the next {@link #read()} and freed by {@link #close()}.
 */
public final class VideoInput implements AutoCloseable {
  private final String name;
  private AVFormatContext format;
  private AVCodecContext codec;
  private final int streamIndex;
  private final double frameRate;
  private final long frameCount;
  private final AVPacket packet;
  private final AVFrame frame;
  private SwsContext sws;
  private BytePointer pixels;
  private final PointerPointer<BytePointer> dstPlanes = new PointerPointer<>(4);
  private final IntPointer dstStrides = new IntPointer(4);
  private int frameWidth;
  private int frameHeight;
  private long frameIndex = -1;
  private boolean draining;
  private boolean ended;
  private boolean closed;

  private VideoInput(String name, String url, AVInputFormat inputFormat) {
    this(name, url, inputFormat, new AVDictionary(null));
  }

  private VideoInput(String name, String url, AVInputFormat inputFormat, AVDictionary options) {
    this.name = name;
    AVFormatContext fmt = new AVFormatContext(null);
    int r = avformat_open_input(fmt, url, inputFormat, options);
    av_dict_free(options);
    if (r < 0) {
      throw new VideoException(name + ": cannot open as a video (" + Ffmpeg.error(r) + ")");
    }
    format = fmt;
    packet = av_packet_alloc();
    frame = av_frame_alloc();
    try {
      r = avformat_find_stream_info(format, (PointerPointer<?>) null);
      if (r < 0) {
        throw new VideoException(name + ": not a readable video (" + Ffmpeg.error(r) + ")");
      }
      streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (PointerPointer<?>) null, 0);
      if (streamIndex < 0) {
        throw new VideoException(name + ": has no video stream");
      }
      AVStream stream = format.streams(streamIndex);
      AVCodecParameters par = stream.codecpar();
      AVCodec decoder = avcodec_find_decoder(par.codec_id());
      if (decoder == null || decoder.isNull()) {
        throw new VideoException(name + ": no decoder for its " + avcodec_get_name(par.codec_id()).getString() + " video");
      }
      codec = avcodec_alloc_context3(decoder);
      check(avcodec_parameters_to_context(codec, par), "reading its codec parameters");
      codec.thread_count(0);
      check(avcodec_open2(codec, decoder, (PointerPointer<?>) null), "opening its decoder");
      if (par.width() <= 0 || par.height() <= 0) {
        throw new VideoException(name + ": video stream has no frame size");
      }
      frameWidth = par.width();
      frameHeight = par.height();
      frameRate = rate(stream);
      frameCount = count(stream, format, frameRate);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Opens a video file. Checks in Java first that it is a readable, non-empty file. */
  public static VideoInput open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new VideoException(file + ": no such file");
    }
    if (!Files.isReadable(file)) {
      throw new VideoException(file + ": not readable");
    }
    try {
      if (Files.size(file) == 0) {
        throw new VideoException(file + ": empty file, not a video");
      }
    } catch (java.io.IOException e) {
      throw new VideoException(file + ": " + e.getMessage(), e);
    }
    Ffmpeg.load();
    return new VideoInput(file.toString(), file.toAbsolutePath().toString(), null);
  }

  /** How long a network stream may stall before reading it fails, in microseconds (FFmpeg's unit). */
  static final String NETWORK_TIMEOUT_US = "20000000";

  /**
   * Opens a network stream FFmpeg reads: an http(s) video, an rtsp:// or rtmp:// stream. Reads
   * that stall for 20 s fail; RTSP goes over TCP (no lost UDP packets).
   */
  public static VideoInput url(String url) {
    String scheme = url.contains("://") ? url.substring(0, url.indexOf("://")).toLowerCase(java.util.Locale.ROOT) : "";
    if (!java.util.Set.of("http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "srt", "udp", "tcp").contains(scheme)) {
      throw new VideoException(url + ": not a stream URL FFmpeg reads (http, https, rtsp, rtmp, srt, udp, tcp)");
    }
    Ffmpeg.load();
    Ffmpeg.networkInit();
    AVDictionary options = new AVDictionary(null);
    if (scheme.startsWith("rtsp")) {
      av_dict_set(options, "rtsp_transport", "tcp", 0);
      av_dict_set(options, "timeout", NETWORK_TIMEOUT_US, 0);
    } else {
      av_dict_set(options, "rw_timeout", NETWORK_TIMEOUT_US, 0);
    }
    return new VideoInput(url, url, null, options);
  }

  /** Opens camera {@code index}, the V4L2 device {@code /dev/video<index>}, checked in Java first. */
  public static VideoInput camera(int index) {
    if (index < 0) {
      throw new VideoException("camera " + index + ": a camera index is 0 or more");
    }
    Path device = Path.of("/dev/video" + index);
    String name = "camera " + index + " (" + device + ")";
    if (!Files.exists(device)) {
      throw new VideoException(name + ": no such device; no camera with this index is attached"
          + " (a camera appears as /dev/videoN when its driver is loaded)");
    }
    if (!Files.isReadable(device)) {
      throw new VideoException(name + ": permission denied; add this user to the 'video' group");
    }
    Ffmpeg.loadDevices();
    AVInputFormat v4l2 = av_find_input_format("video4linux2");
    if (v4l2 == null || v4l2.isNull()) {
      throw new VideoException(name + ": this FFmpeg build has no video4linux2 input");
    }
    return new VideoInput(name, device.toString(), v4l2);
  }

  /** The file's path, the URL, or "camera N (/dev/videoN)". */
  public String name() {
    return name;
  }

  /** Frames per second as the stream declares them; 0 when it declares none. */
  public double frameRate() {
    return frameRate;
  }

  /** How many frames the container declares (or its duration implies); -1 when unknown. Only a hint. */
  public long frameCountHint() {
    return frameCount;
  }

  /** The width of the last frame read (before the first: the stream's declared width). */
  public int frameWidth() {
    return frameWidth;
  }

  public int frameHeight() {
    return frameHeight;
  }

  /** Bytes per row of {@link #bgr()}. */
  public int stride() {
    return frameWidth * 3;
  }

  /** 0 for the first frame read, then 1, 2, ... */
  public long frameIndex() {
    return frameIndex;
  }

  /** The last frame read: packed BGR, {@link #stride()} bytes per row, in a direct buffer. */
  public ByteBuffer bgr() {
    if (pixels == null) {
      throw new IllegalStateException("no frame read yet");
    }
    return pixels.position(0).limit((long) stride() * frameHeight).asByteBuffer();
  }

  /**
   * A copy of the last frame read as an 8-bit BGR image ({@link BufferedImage#TYPE_3BYTE_BGR}), to
   * keep beyond the next {@link #read()} or to draw on ({@code DetectionPainter.paintInPlace}).
   */
  public BufferedImage image() {
    return ImageLoader.fromBgr(bgr(), frameWidth, frameHeight, stride());
  }

  /**
   * Decodes the next frame. Returns false at the end of the video.
   *
   * @throws VideoException if the file cannot be read on (a broken container)
   */
  public boolean read() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
    while (!ended) {
      int r = avcodec_receive_frame(codec, frame);
      if (r == 0) {
        convert();
        av_frame_unref(frame);
        frameIndex++;
        return true;
      }
      if (r == AVERROR_EOF) {
        ended = true;
        break;
      }
      if (r != Ffmpeg.EAGAIN) {
        throw new VideoException(name + ": cannot decode frame " + (frameIndex + 1) + " (" + Ffmpeg.error(r) + ")");
      }
      if (draining) {
        ended = true;
        break;
      }
      feed();
    }
    return false;
  }

  /** Sends the next packet of the video stream to the decoder, or starts draining it at the end. */
  private void feed() {
    while (true) {
      int r = av_read_frame(format, packet);
      if (r == AVERROR_EOF) {
        avcodec_send_packet(codec, null);
        draining = true;
        return;
      }
      if (r < 0) {
        throw new VideoException(name + ": cannot read on after frame " + frameIndex + " (" + Ffmpeg.error(r) + ")");
      }
      try {
        if (packet.stream_index() == streamIndex) {
          // A damaged packet is dropped like FFmpeg's own tools do; the decoder conceals it.
          avcodec_send_packet(codec, packet);
          return;
        }
      } finally {
        av_packet_unref(packet);
      }
    }
  }

  /**
   * Bytes past the last row that swscale may write: its vectorised BGR24 output stores whole
   * blocks, past a row of a width that is not a multiple of the block (446 px wide frames
   * corrupted the heap without this).
   */
  static final int SWS_PADDING = 256;

  private void convert() {
    int w = frame.width();
    int h = frame.height();
    long size = (long) w * h * 3;
    if (pixels == null || pixels.capacity() < size + SWS_PADDING) {
      if (pixels != null) {
        pixels.close();
      }
      pixels = new BytePointer(size + SWS_PADDING);
    }
    frameWidth = w;
    frameHeight = h;
    sws = sws_getCachedContext(sws, w, h, frame.format(), w, h, AV_PIX_FMT_BGR24, SWS_BILINEAR,
        (SwsFilter) null, (SwsFilter) null, (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      throw new VideoException(name + ": cannot convert its pixel format " + frame.format() + " to BGR");
    }
    dstPlanes.put(0, pixels);
    dstStrides.put(0, w * 3);
    sws_scale(sws, frame.data(), frame.linesize(), 0, h, dstPlanes, dstStrides);
  }

  private void check(int r, String what) {
    if (r < 0) {
      throw new VideoException(name + ": failed " + what + " (" + Ffmpeg.error(r) + ")");
    }
  }

  private static double rate(AVStream stream) {
    for (AVRational q : new AVRational[] {stream.avg_frame_rate(), stream.r_frame_rate()}) {
      if (q.num() > 0 && q.den() > 0) {
        return av_q2d(q);
      }
    }
    return 0;
  }

  private static long count(AVStream stream, AVFormatContext format, double fps) {
    if (stream.nb_frames() > 0) {
      return stream.nb_frames();
    }
    if (fps > 0 && stream.duration() > 0) {
      return Math.round(stream.duration() * av_q2d(stream.time_base()) * fps);
    }
    if (fps > 0 && format.duration() > 0) {
      return Math.round(format.duration() / (double) AV_TIME_BASE * fps);
    }
    return -1;
  }

  /** Frees the decoder and closes the file or camera. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (sws != null) {
      sws_freeContext(sws);
      sws = null;
    }
    if (codec != null) {
      avcodec_free_context(codec);
      codec = null;
    }
    if (format != null) {
      avformat_close_input(format);
      format = null;
    }
    av_frame_free(frame);
    av_packet_free(packet);
    if (pixels != null) {
      pixels.close();
      pixels = null;
    }
    dstPlanes.close();
    dstStrides.close();
  }
}
