package dev.reparo.format.ncnn;

/**
 * The ids of the ncnn layer params Reparo writes, named as ncnn's layer sources name them. A
 * lowered node stores each param as an attribute named by its id.
 */
public final class NcnnParams {
  private NcnnParams() {}

  /** Blob extents, shared by Input, MemoryData and Reshape. */
  public static final String W = "0";
  public static final String H = "1";
  public static final String D = "11";
  public static final String C = "2";

  /** Convolution and ConvolutionDepthWise. */
  public static final class Conv {
    public static final String NUM_OUTPUT = "0";
    public static final String KERNEL_W = "1";
    public static final String KERNEL_H = "11";
    public static final String DILATION_W = "2";
    public static final String DILATION_H = "12";
    public static final String STRIDE_W = "3";
    public static final String STRIDE_H = "13";
    public static final String PAD_LEFT = "4";
    public static final String PAD_RIGHT = "15";
    public static final String PAD_TOP = "14";
    public static final String PAD_BOTTOM = "16";
    public static final String BIAS_TERM = "5";
    public static final String WEIGHT_DATA_SIZE = "6";
    public static final String GROUP = "7";
    /** Fused activation (InnerProduct uses the same ids): see {@code Activation}. */
    public static final String ACTIVATION_TYPE = "9";
    public static final String ACTIVATION_PARAMS = "10";
    /** PAD_LEFT values for auto_pad SAME_UPPER and SAME_LOWER. */
    public static final int PAD_SAME_UPPER = -233;
    public static final int PAD_SAME_LOWER = -234;

    private Conv() {}
  }

  /** Values of Conv.ACTIVATION_TYPE, with their ACTIVATION_PARAMS. */
  public static final class Activation {
    public static final int RELU = 1;
    /** [slope] */
    public static final int LEAKY_RELU = 2;
    /** [min, max] */
    public static final int CLIP = 3;
    public static final int SIGMOID = 4;
    public static final int MISH = 5;
    /** [alpha, beta] */
    public static final int HARD_SWISH = 6;

    private Activation() {}
  }

  public static final class Pooling {
    public static final String POOLING_TYPE = "0";
    public static final String KERNEL_W = "1";
    public static final String KERNEL_H = "11";
    public static final String STRIDE_W = "2";
    public static final String STRIDE_H = "12";
    public static final String PAD_LEFT = "3";
    public static final String PAD_RIGHT = "14";
    public static final String PAD_TOP = "13";
    public static final String PAD_BOTTOM = "15";
    public static final String GLOBAL_POOLING = "4";
    public static final String PAD_MODE = "5";
    /** PAD_MODE values: full windows rounded up (ceil_mode), valid ones (floor), auto_pad SAME_*. */
    public static final int PAD_FULL = 0;
    public static final int PAD_VALID = 1;
    public static final int PAD_SAME_UPPER = 2;
    public static final int PAD_SAME_LOWER = 3;
    public static final String AVGPOOL_COUNT_INCLUDE_PAD = "6";
    public static final int MAX = 0;
    public static final int AVERAGE = 1;

    private Pooling() {}
  }

  public static final class BinaryOp {
    public static final String OP_TYPE = "0";
    public static final String WITH_SCALAR = "1";
    public static final String B = "2";
    public static final int ADD = 0;
    public static final int SUB = 1;
    public static final int MUL = 2;
    public static final int DIV = 3;
    public static final int POW = 6;
    public static final int RSUB = 7;
    public static final int RDIV = 8;
    public static final int RPOW = 9;

    private BinaryOp() {}
  }

  public static final class UnaryOp {
    public static final String OP_TYPE = "0";
    public static final int FLOOR = 2;
    public static final int CEIL = 3;
    public static final int EXP = 7;

    private UnaryOp() {}
  }

  public static final class Eltwise {
    public static final String OP_TYPE = "0";
    public static final int SUM = 1;

    private Eltwise() {}
  }

  public static final class Interp {
    /** 1 nearest, 2 bilinear. */
    public static final String RESIZE_TYPE = "0";
    public static final String HEIGHT_SCALE = "1";
    public static final String WIDTH_SCALE = "2";
    public static final String OUTPUT_HEIGHT = "3";
    public static final String OUTPUT_WIDTH = "4";
    public static final String ALIGN_CORNER = "6";
    public static final int NEAREST = 1;
    public static final int BILINEAR = 2;

    private Interp() {}
  }

  public static final class InnerProduct {
    public static final String NUM_OUTPUT = "0";
    public static final String BIAS_TERM = "1";
    public static final String WEIGHT_DATA_SIZE = "2";

    private InnerProduct() {}
  }

  public static final class BatchNorm {
    public static final String CHANNELS = "0";
    public static final String EPS = "1";

    private BatchNorm() {}
  }

  /** Slice: split sizes along one axis. */
  public static final class Slice {
    public static final String SLICES = "0";
    public static final String AXIS = "1";
    /** A size ncnn computes: the rest split evenly. */
    public static final int EVEN = -233;

    private Slice() {}
  }

  public static final class Crop {
    public static final String STARTS = "9";
    public static final String ENDS = "10";
    public static final String AXES = "11";

    private Crop() {}
  }

  /** Single-param layers. */
  public static final String CONCAT_AXIS = "0";
  /** MatMul: 1 multiplies by B transposed. */
  public static final String MATMUL_TRANS_B = "0";
  public static final String PERMUTE_ORDER_TYPE = "0";
  public static final String RELU_SLOPE = "0";
  public static final String GELU_FAST = "0";
  public static final String SHUFFLE_GROUP = "0";
  public static final String SCALE_DATA_SIZE = "0";
  public static final String SCALE_BIAS_TERM = "1";

  public static final class Softmax {
    public static final String AXIS = "0";
    /** 1: the axis counts without the batch, as every lowered model needs. */
    public static final String FIXBUG0 = "1";

    private Softmax() {}
  }

  /** Clip, and the alpha/beta pairs of HardSigmoid and HardSwish. */
  public static final class Clip {
    public static final String MIN = "0";
    public static final String MAX = "1";

    private Clip() {}
  }

  public static final class Hard {
    public static final String ALPHA = "0";
    public static final String BETA = "1";

    private Hard() {}
  }
}
