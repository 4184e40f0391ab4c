package dev.reparo.tensorrt;

import org.bytedeco.tensorrt.nvinfer.ILogger;

/**
 * Sends TensorRT's messages to the {@code dev.reparo.tensorrt} {@link System.Logger}: errors as
 * ERROR, warnings as WARNING, the rest at DEBUG. One instance serves the whole process; TensorRT
 * may call it from any thread, and it keeps no state.
 */
final class TrtLogger extends ILogger {
  static final TrtLogger INSTANCE = new TrtLogger();
  private static final System.Logger LOG = System.getLogger("dev.reparo.tensorrt");

  private TrtLogger() {}

  @Override
  public void log(Severity severity, String msg) {
    System.Logger.Level level = switch (severity) {
      case kINTERNAL_ERROR, kERROR -> System.Logger.Level.ERROR;
      case kWARNING -> System.Logger.Level.WARNING;
      default -> System.Logger.Level.DEBUG;
    };
    LOG.log(level, "TensorRT: " + msg);
  }
}
