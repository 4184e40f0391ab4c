package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.ncnn_copy_make_border;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_create;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_destroy;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_substract_mean_normalize;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_num_threads;
import static dev.reparo.ncnn.global.ncnn.ncnn_mat_from_pixels_resize;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_create;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_destroy;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_get_num_threads;
import static dev.reparo.ncnn.global.ncnn.ncnn_version;
import static dev.reparo.ncnn.global.ncnn.reparo_ncnn_cpu_count;
import static dev.reparo.ncnn.global.ncnn.reparo_ncnn_cpu_supports;
import static dev.reparo.ncnn.global.ncnn.reparo_ncnn_letterbox_c3;
import static dev.reparo.ncnn.global.ncnn.reparo_ncnn_physical_cpu_count;

import dev.reparo.InvalidInputException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.ImagePlacement;
import dev.reparo.ncnn.bridge.ncnn_allocator;
import dev.reparo.ncnn.bridge.ncnn_mat;
import dev.reparo.ncnn.bridge.ncnn_option;
import java.nio.ByteBuffer;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

/** The ncnn runtime in this process: its version, the CPU it sees, pixel conversion. Thread-safe. */
public final class Ncnn {
  /** CPU features ncnn can dispatch to, by the names of ncnn's {@code cpu_support_*} probes. */
  private static final List<String> FEATURES = List.of(
      "x86_avx", "x86_fma", "x86_f16c", "x86_avx2", "x86_avx_vnni", "x86_avx512", "x86_avx512_vnni",
      "x86_avx512_bf16", "x86_avx512_fp16", "arm_neon", "arm_vfpv4", "arm_asimdhp", "arm_asimddp",
      "arm_asimdfhm", "arm_bf16", "arm_i8mm", "arm_sve", "arm_sve2");
  /** Largest width or height accepted for pixel input; keeps w*h*4 well inside an int. */
  static final int MAX_SIDE = 16384;

  private static volatile boolean loaded;
  private static volatile String openMpWaitPolicy = "not loaded yet";

  private Ncnn() {}

  /**
   * Loads the JNI library (ncnn linked in) from the platform jar on the classpath.
   *
   * @throws ReparoException saying which jar is missing when this platform has no native library
   */
  static void ensureLoaded() {
    if (loaded) {
      return;
    }
    synchronized (Ncnn.class) {
      if (loaded) {
        return;
      }
      try {
        openMpWaitPolicy = OpenMpWaitPolicy.apply();  // before libgomp loads with ncnn
        Loader.load(dev.reparo.ncnn.global.ncnn.class);
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        throw new ReparoException("the ncnn native library for " + Loader.getPlatform()
            + " could not be loaded: put reparo-ncnn-preset-<version>-" + Loader.getPlatform()
            + ".jar on the classpath (" + e.getMessage() + ")", e);
      }
      loaded = true;
    }
  }

  /** How ncnn's OpenMP threads wait when idle (see {@link OpenMpWaitPolicy}), and why. */
  public static String openMpWaitPolicy() {
    ensureLoaded();
    return openMpWaitPolicy;
  }

  /** ncnn's version string, e.g. {@code 1.0.20261020}. */
  public static String version() {
    ensureLoaded();
    return ncnn_version().getString();
  }

  /** Logical CPUs ncnn sees. */
  public static int cpuCount() {
    ensureLoaded();
    return reparo_ncnn_cpu_count();
  }

  /** Physical cores ncnn sees. */
  public static int physicalCpuCount() {
    ensureLoaded();
    return reparo_ncnn_physical_cpu_count();
  }

  /** Threads ncnn uses per inference when {@link NcnnOptions#threads()} is 0. */
  public static int defaultThreads() {
    ensureLoaded();
    ncnn_option opt = ncnn_option_create();
    try {
      return ncnn_option_get_num_threads(opt);
    } finally {
      ncnn_option_destroy(opt);
    }
  }

  /** The instruction-set extensions ncnn detected on this CPU and will dispatch to. */
  public static List<String> cpuFeatures() {
    ensureLoaded();
    return FEATURES.stream().filter(f -> reparo_ncnn_cpu_supports(f) == 1).toList();
  }

  /**
   * Converts interleaved 8-bit pixels to a float tensor [C, targetHeight, targetWidth] with
   * ncnn's bilinear resize; values stay in 0..255 and channels keep the input order.
   *
   * @param stride bytes per row, at least {@code width * format.channels()}
   * @throws InvalidInputException if a size is out of range or {@code pixels} is too short
   */
  public static Tensor fromPixelsResize(byte[] pixels, PixelFormat format, int width, int height, int stride,
      int targetWidth, int targetHeight) {
    checkSide("width", width);
    checkSide("height", height);
    checkSide("target width", targetWidth);
    checkSide("target height", targetHeight);
    if (stride < width * format.channels()) {
      throw new InvalidInputException("stride " + stride + " is less than width * channels = "
          + width * format.channels());
    }
    long needed = (long) stride * (height - 1) + (long) width * format.channels();
    if (pixels.length < needed) {
      throw new InvalidInputException(width + "x" + height + " " + format + " pixels with stride " + stride
          + " need " + needed + " bytes, got " + pixels.length);
    }
    ensureLoaded();
    try (BytePointer native_ = new BytePointer(pixels)) {
      ncnn_mat mat = ncnn_mat_from_pixels_resize(native_, format.ncnnType, width, height, stride,
          targetWidth, targetHeight, (ncnn_allocator) null);
      try {
        return Mats.toTensor(mat, "pixels");
      } finally {
        ncnn_mat_destroy(mat);
      }
    }
  }

  /**
   * YOLO pre-processing in one native pass: resizes interleaved 8-bit pixels into the letterbox's
   * resized area (bilinear), converts BGR to RGB when asked, pads the rest with {@code fill} (in
   * 0..255 units, e.g. 114), then per channel subtracts {@code mean} (0..255 units; null for none)
   * and multiplies by {@code norm} (e.g. 1/255). Returns a float tensor [C, inputHeight, inputWidth].
   *
   * <p>{@code pixels} may be a direct buffer (no copy: its memory is read in place) or a heap
   * buffer; it is read from its position.
   *
   * @throws InvalidInputException if a size is out of range or {@code pixels} is too short
   */
  public static Tensor letterbox(ByteBuffer pixels, PixelFormat format, boolean bgrToRgb, int width, int height,
      int stride, ImagePlacement box, float fill, float[] mean, float[] norm) {
    ncnn_mat mat = letterboxMat(pixels, format, bgrToRgb, width, height, stride, box, fill, mean, norm);
    try {
      return Mats.toTensor(mat, "letterboxed image");
    } finally {
      ncnn_mat_destroy(mat);
    }
  }

  /** {@link #letterbox} into a native mat the caller must destroy; nothing passes through Java. */
  static ncnn_mat letterboxMat(ByteBuffer pixels, PixelFormat format, boolean bgrToRgb, int width, int height,
      int stride, ImagePlacement box, float fill, float[] mean, float[] norm) {
    checkSide("width", width);
    if ((mean != null && mean.length != format.channels()) || norm == null || norm.length != format.channels()) {
      throw new InvalidInputException("mean and norm need one value per channel (" + format.channels() + ")");
    }
    checkSide("height", height);
    checkSide("input width", box.inputWidth());
    checkSide("input height", box.inputHeight());
    if (box.imageWidth() != width || box.imageHeight() != height) {
      throw new InvalidInputException("letterbox was computed for a " + box.imageWidth() + "x" + box.imageHeight()
          + " image, pixels are " + width + "x" + height);
    }
    if (bgrToRgb && format != PixelFormat.BGR) {
      throw new InvalidInputException("BGR to RGB conversion needs BGR pixels, got " + format);
    }
    if (stride < width * format.channels()) {
      throw new InvalidInputException("stride " + stride + " is less than width * channels = "
          + width * format.channels());
    }
    long needed = (long) stride * (height - 1) + (long) width * format.channels();
    if (pixels.remaining() < needed) {
      throw new InvalidInputException(width + "x" + height + " " + format + " pixels with stride " + stride
          + " need " + needed + " bytes, got " + pixels.remaining());
    }
    ensureLoaded();
    return format.channels() == 3
        ? letterboxMatC3(pixels, bgrToRgb, width, height, stride, box, fill, mean, norm)
        : letterboxMatByNcnnCalls(pixels, format, bgrToRgb, width, height, stride, box, fill, mean, norm);
  }

  /**
   * The letterbox as three ncnn calls (from_pixels_resize, copy_make_border,
   * substract_mean_normalize), each with its own intermediate mat: the path for 1- and 4-channel
   * pixels, and the reference the one-pass 3-channel version is tested against. Arguments as
   * {@link #letterboxMat}, already checked.
   */
  static ncnn_mat letterboxMatByNcnnCalls(ByteBuffer pixels, PixelFormat format, boolean bgrToRgb, int width,
      int height, int stride, ImagePlacement box, float fill, float[] mean, float[] norm) {
    long needed = (long) stride * (height - 1) + (long) width * format.channels();
    int type = bgrToRgb ? PixelFormat.BGR.ncnnType | (PixelFormat.RGB.ncnnType << 16) : format.ncnnType;
    BytePointer data = pixels.isDirect() ? new BytePointer(pixels) : copyOf(pixels, needed);
    ncnn_mat resized = null;
    ncnn_mat padded = ncnn_mat_create();
    ncnn_option opt = ncnn_option_create();
    boolean ok = false;
    try {
      ncnn_option_set_num_threads(opt, 1);
      resized = ncnn_mat_from_pixels_resize(data, type, width, height, stride, box.resizedWidth(),
          box.resizedHeight(), (ncnn_allocator) null);
      int right = box.inputWidth() - box.resizedWidth() - box.padLeft();
      int bottom = box.inputHeight() - box.resizedHeight() - box.padTop();
      ncnn_copy_make_border(resized, padded, box.padTop(), bottom, box.padLeft(), right, 0, fill, opt);
      ncnn_mat_substract_mean_normalize(padded, mean, norm);
      ok = true;
      return padded;
    } finally {
      if (resized != null) {
        ncnn_mat_destroy(resized);
      }
      if (!ok) {
        ncnn_mat_destroy(padded);
      }
      ncnn_option_destroy(opt);
      data.close();
    }
  }

  /**
   * The 3-channel case in one native pass ({@code reparo_ncnn_letterbox_c3}, same numbers as the
   * three ncnn calls): a heap buffer's array is read in place, a direct buffer's memory likewise.
   */
  private static ncnn_mat letterboxMatC3(ByteBuffer pixels, boolean swapRb, int width, int height, int stride,
      ImagePlacement box, float fill, float[] mean, float[] norm) {
    ncnn_mat mat;
    if (pixels.hasArray()) {
      mat = reparo_ncnn_letterbox_c3(pixels.array(), pixels.arrayOffset() + pixels.position(), width, height, stride,
          swapRb ? 1 : 0, box.resizedWidth(), box.resizedHeight(), box.padTop(), box.padLeft(), box.inputWidth(),
          box.inputHeight(), fill, mean, norm);
    } else {
      try (BytePointer data = new BytePointer(pixels);
          FloatPointer meanPtr = mean == null ? null : new FloatPointer(mean);
          FloatPointer normPtr = new FloatPointer(norm)) {
        mat = reparo_ncnn_letterbox_c3(data, 0, width, height, stride, swapRb ? 1 : 0, box.resizedWidth(),
            box.resizedHeight(), box.padTop(), box.padLeft(), box.inputWidth(), box.inputHeight(), fill, meanPtr,
            normPtr);
      }
    }
    if (mat == null || mat.isNull()) {
      throw new ReparoException("ncnn could not letterbox a " + width + "x" + height + " image into "
          + box.inputWidth() + "x" + box.inputHeight() + " (out of memory?)");
    }
    return mat;
  }

  private static BytePointer copyOf(ByteBuffer heap, long length) {
    byte[] bytes = new byte[(int) length];
    heap.duplicate().get(bytes);
    return new BytePointer(bytes);
  }

  private static void checkSide(String what, int value) {
    if (value < 1 || value > MAX_SIDE) {
      throw new InvalidInputException(what + " must be 1.." + MAX_SIDE + ", got " + value);
    }
  }
}
