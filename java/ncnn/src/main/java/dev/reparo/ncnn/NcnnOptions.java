package dev.reparo.ncnn;

/**
 * How ncnn runs a model. Immutable and thread-safe; build with {@link #builder()}.
 *
 * <p>Defaults favour exact results: fp32 storage and arithmetic. fp16 storage halves weight memory
 * and, on CPUs with fp16 arithmetic (ARMv8.2), speeds inference at about 1e-3 relative error.
 */
public final class NcnnOptions {
  private final int threads;
  private final boolean lightMode;
  private final boolean fp16Storage;
  private final boolean fp16Arithmetic;
  private final boolean packing;

  private NcnnOptions(Builder b) {
    this.threads = b.threads;
    this.lightMode = b.lightMode;
    this.fp16Storage = b.fp16Storage;
    this.fp16Arithmetic = b.fp16Arithmetic;
    this.packing = b.packing;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: ncnn's thread count, light mode on, fp32, packed layout. */
  public static NcnnOptions defaults() {
    return builder().build();
  }

  /** Threads per inference; 0 means ncnn's default (the physical big cores). */
  public int threads() {
    return threads;
  }

  public boolean lightMode() {
    return lightMode;
  }

  public boolean fp16Storage() {
    return fp16Storage;
  }

  public boolean fp16Arithmetic() {
    return fp16Arithmetic;
  }

  public boolean packing() {
    return packing;
  }

  public Builder toBuilder() {
    return builder().threads(threads).lightMode(lightMode).fp16Storage(fp16Storage)
        .fp16Arithmetic(fp16Arithmetic).packing(packing);
  }

  @Override
  public String toString() {
    return "NcnnOptions[threads=" + threads + ", lightMode=" + lightMode + ", fp16Storage=" + fp16Storage
        + ", fp16Arithmetic=" + fp16Arithmetic + ", packing=" + packing + "]";
  }

  /** Not thread-safe; {@link #build()} validates and returns an immutable {@link NcnnOptions}. */
  public static final class Builder {
    private int threads;
    private boolean lightMode = true;
    private boolean fp16Storage;
    private boolean fp16Arithmetic;
    private boolean packing = true;

    private Builder() {}

    /** Threads per inference, 0 for ncnn's default. */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Free intermediate blobs as soon as possible (less memory, same results). */
    public Builder lightMode(boolean lightMode) {
      this.lightMode = lightMode;
      return this;
    }

    /** Store weights and blobs as fp16 where ncnn supports it. */
    public Builder fp16Storage(boolean fp16Storage) {
      this.fp16Storage = fp16Storage;
      return this;
    }

    /** Compute in fp16 where the CPU supports it; needs fp16 storage. */
    public Builder fp16Arithmetic(boolean fp16Arithmetic) {
      this.fp16Arithmetic = fp16Arithmetic;
      return this;
    }

    /** Let ncnn pack channels into SIMD lanes (pack4/pack8/pack16). */
    public Builder packing(boolean packing) {
      this.packing = packing;
      return this;
    }

    /** @throws IllegalArgumentException naming the option that is out of range */
    public NcnnOptions build() {
      if (threads < 0 || threads > 1024) {
        throw new IllegalArgumentException("threads must be 0 (ncnn's default) to 1024, got " + threads);
      }
      if (fp16Arithmetic && !fp16Storage) {
        throw new IllegalArgumentException("fp16Arithmetic needs fp16Storage");
      }
      return new NcnnOptions(this);
    }
  }
}
