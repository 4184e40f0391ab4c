package dev.reparo.video;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_QSCALE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG4;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.FF_QP2LAMBDA;
import static org.bytedeco.ffmpeg.global.avutil.av_d2q;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import dev.reparo.image.ImageLoader;
import dev.reparo.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.ffmpeg.swscale.SwsFilter;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Encodes BGR frames into a video file: MPEG-4 Part 2 video (FFmpeg's own encoder, which every
 * build has and every player plays) in an .mp4, .avi, .mkv or .mov container. Frames of another
 * size are scaled to the video's size. The file is written beside the target under a temporary
 * name and renamed into place by {@link #finish()}; {@link #close()} without it leaves no file.
 *
 * Holds FFmpeg's native encoder and buffers until {@link #close()} (or {@link #finish()}).
 *
 * <p>Not thread-safe: use one instance from one thread.
 */
public final class VideoOutput implements AutoCloseable {
  /** Container by file extension. */
  static final Map<String, String> CONTAINERS = Map.of(".mp4", "mp4", ".avi", "avi", ".mkv", "matroska", ".mov", "mov");
  private static final int QUANTIZER = 3;

  private final Path target;
  private final Path tmp;
  private final int width;
  private final int height;
  private AVFormatContext format;
  private AVCodecContext codec;
  private AVStream stream;
  private final AVFrame frame;
  private final AVPacket packet;
  private SwsContext sws;
  private BytePointer staging;
  private final PointerPointer<BytePointer> srcPlanes;
  private final IntPointer srcStrides;
  private long frames;
  private boolean finished;
  private boolean closed;

  /**
   * Creates {@code target} (its extension picks the container) for frames of {@code width ×
   * height} at {@code fps} frames per second. Odd sizes are rounded down to even (4:2:0 video).
   */
  public VideoOutput(Path target, int width, int height, double fps) throws IOException {
    String name = target.getFileName().toString().toLowerCase(Locale.ROOT);
    String container = CONTAINERS.get(name.contains(".") ? name.substring(name.lastIndexOf('.')) : "");
    if (container == null) {
      throw new VideoException(target + ": unsupported video file extension (use " + String.join(", ",
          CONTAINERS.keySet().stream().sorted().toList()) + ")");
    }
    if (width < 2 || height < 2) {
      throw new VideoException(target + ": frame size " + width + "x" + height + " is too small for a video");
    }
    if (!(fps > 0) || fps > 1000) {
      throw new VideoException(target + ": frame rate " + fps + " is out of range");
    }
    Ffmpeg.load();
    srcPlanes = new PointerPointer<>(4);
    srcStrides = new IntPointer(4);
    this.target = target;
    this.width = width & ~1;
    this.height = height & ~1;
    this.tmp = AtomicFiles.tempBeside(target);
    frame = av_frame_alloc();
    packet = av_packet_alloc();
    try {
      open(container, fps);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void open(String container, double fps) {
    AVFormatContext fmt = new AVFormatContext(null);
    check(avformat_alloc_output_context2(fmt, (AVOutputFormat) null, container, tmp.toString()), "creating the container");
    format = fmt;
    AVCodec encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (encoder == null || encoder.isNull()) {
      throw new VideoException(target + ": this FFmpeg build has no MPEG-4 encoder");
    }
    stream = avformat_new_stream(format, (AVCodec) null);
    codec = avcodec_alloc_context3(encoder);
    codec.width(width);
    codec.height(height);
    codec.pix_fmt(AV_PIX_FMT_YUV420P);
    // MPEG-4 allows time base denominators up to 65535; 1/fps as the nearest such fraction.
    AVRational timeBase = av_d2q(1 / fps, 65535);
    codec.time_base(timeBase);
    codec.framerate(av_d2q(fps, 65535));
    codec.gop_size(12);
    codec.flags(codec.flags() | AV_CODEC_FLAG_QSCALE);
    codec.global_quality(QUANTIZER * FF_QP2LAMBDA);
    if ((format.oformat().flags() & AVFMT_GLOBALHEADER) != 0) {
      codec.flags(codec.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
    }
    check(avcodec_open2(codec, encoder, (PointerPointer<?>) null), "opening the MPEG-4 encoder");
    check(avcodec_parameters_from_context(stream.codecpar(), codec), "setting the stream parameters");
    stream.time_base(codec.time_base());
    stream.avg_frame_rate(codec.framerate());
    AVIOContext io = new AVIOContext(null);
    check(avio_open(io, tmp.toString(), AVIO_FLAG_WRITE), "opening the file");
    format.pb(io);
    check(avformat_write_header(format, (PointerPointer<?>) null), "writing the header");
    frame.format(AV_PIX_FMT_YUV420P);
    frame.width(width);
    frame.height(height);
    check(av_frame_get_buffer(frame, 0), "allocating a frame");
  }

  /** The video's frame width (the requested width rounded down to even). */
  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Frames written so far. */
  public long frames() {
    return frames;
  }

  /**
   * Appends {@code image} as a frame (scaled to the video's size if it differs). A
   * {@link BufferedImage#TYPE_3BYTE_BGR} image (what {@code DetectionPainter.paint} and
   * {@link VideoInput#image()} return) is not converted; others are converted to BGR first.
   */
  public void write(BufferedImage image) {
    BufferedImage bgr = ImageLoader.toBgr(image);
    byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
    write(ByteBuffer.wrap(data), bgr.getWidth(), bgr.getHeight(), bgr.getWidth() * 3);
  }

  /** Appends a frame of packed BGR pixels, {@code stride} bytes per row (any buffer; direct ones are not copied). */
  public void write(ByteBuffer bgr, int frameWidth, int frameHeight, int stride) {
    if (closed) {
      throw new IllegalStateException(target + " is closed");
    }
    if (frameWidth <= 0 || frameHeight <= 0 || stride < frameWidth * 3
        || bgr.remaining() < (long) stride * (frameHeight - 1) + frameWidth * 3L) {
      throw new IllegalArgumentException("a " + frameWidth + "x" + frameHeight + " BGR frame with stride " + stride
          + " needs more than the " + bgr.remaining() + " bytes given");
    }
    BytePointer src;
    if (bgr.isDirect()) {
      src = new BytePointer(bgr);
    } else {
      long size = bgr.remaining();
      if (staging == null || staging.capacity() < size) {
        if (staging != null) {
          staging.close();
        }
        staging = new BytePointer(size);
      }
      staging.position(0).limit(size).asByteBuffer().put(bgr.duplicate());
      src = staging;
    }
    sws = sws_getCachedContext(sws, frameWidth, frameHeight, AV_PIX_FMT_BGR24, width, height, AV_PIX_FMT_YUV420P,
        SWS_BILINEAR, (SwsFilter) null, (SwsFilter) null, (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      throw new VideoException(target + ": cannot convert " + frameWidth + "x" + frameHeight + " BGR frames");
    }
    check(av_frame_make_writable(frame), "preparing a frame");
    srcPlanes.put(0, src);
    srcStrides.put(0, stride);
    sws_scale(sws, srcPlanes, srcStrides, 0, frameHeight, frame.data(), frame.linesize());
    frame.pts(frames++);
    check(avcodec_send_frame(codec, frame), "encoding frame " + (frames - 1));
    drain();
  }

  private void drain() {
    while (true) {
      int r = avcodec_receive_packet(codec, packet);
      if (r == Ffmpeg.EAGAIN || r == AVERROR_EOF) {
        return;
      }
      check(r, "encoding");
      // Every frame lasts one tick; without durations MP4's edit list would cut the last frame.
      if (packet.duration() <= 0) {
        packet.duration(1);
      }
      av_packet_rescale_ts(packet, codec.time_base(), stream.time_base());
      packet.stream_index(stream.index());
      r = av_interleaved_write_frame(format, packet);
      av_packet_unref(packet);
      check(r, "writing a frame");
    }
  }

  /** Flushes the encoder, completes the file and renames it to the target. */
  public void finish() throws IOException {
    if (closed) {
      throw new IllegalStateException(target + " is closed");
    }
    check(avcodec_send_frame(codec, null), "flushing the encoder");
    drain();
    check(av_write_trailer(format), "completing the file");
    closeFile("closing the file");
    finished = true;
    close();
    AtomicFiles.moveInto(tmp, target);
  }

  private void check(int r, String what) {
    if (r < 0) {
      throw new VideoException(target + ": failed " + what + " (" + Ffmpeg.error(r) + ")");
    }
  }

  /** Frees the encoder; without a {@link #finish()} before, the partial file is deleted. Idempotent. */
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
      closeFile(null);
      avformat_free_context(format);
      format = null;
    }
    av_frame_free(frame);
    av_packet_free(packet);
    if (staging != null) {
      staging.close();
      staging = null;
    }
    srcPlanes.close();
    srcStrides.close();
    if (!finished) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // Nothing more to do: a stray hidden temporary file is harmless.
      }
    }
  }

  /** Closes the file if open; with {@code what}, a failure to close throws. */
  private void closeFile(String what) {
    AVIOContext io = format.pb();
    if (io != null && !io.isNull()) {
      int r = avio_closep(io);
      format.pb((AVIOContext) null);
      if (what != null) {
        check(r, what);
      }
    }
  }
}
