package dev.reparo.ncnn;

/** Layout of interleaved 8-bit pixels handed to {@link Ncnn#fromPixelsResize}. */
public enum PixelFormat {
  RGB(1, 3),
  BGR(2, 3),
  GRAY(3, 1),
  RGBA(4, 4);

  final int ncnnType;
  private final int channels;

  PixelFormat(int ncnnType, int channels) {
    this.ncnnType = ncnnType;
    this.channels = channels;
  }

  /** Bytes per pixel. */
  public int channels() {
    return channels;
  }
}
