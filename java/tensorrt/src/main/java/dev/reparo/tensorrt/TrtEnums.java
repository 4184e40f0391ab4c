package dev.reparo.tensorrt;

import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.ILogger;

/**
 * Reads TensorRT enums by their C++ value. JavaCPP's JNI code returns an enum from native code as
 * a new object (AllocObject, then its {@code value} field set): never the shared constant, and
 * with ordinal 0. So {@code ==} against a constant is always false and a {@code switch} always
 * takes the first constant's branch; only {@code value} is right. Stateless and thread-safe; loads
 * no native library.
 */
final class TrtEnums {
  private TrtEnums() {}

  /** Whether a tensor's TensorRT data type is 32-bit float. */
  static boolean isFloat32(nvinfer.DataType type) {
    return type != null && type.value == nvinfer.DataType.kFLOAT.value;
  }

  /** The {@link System.Logger} level for a TensorRT message of this severity. */
  static System.Logger.Level level(ILogger.Severity severity) {
    if (severity == null) {
      return System.Logger.Level.ERROR;
    }
    int v = severity.value;
    if (v == ILogger.Severity.kINTERNAL_ERROR.value || v == ILogger.Severity.kERROR.value) {
      return System.Logger.Level.ERROR;
    }
    if (v == ILogger.Severity.kWARNING.value) {
      return System.Logger.Level.WARNING;
    }
    return System.Logger.Level.DEBUG; // kINFO and kVERBOSE: TensorRT's build progress is chatty
  }
}
