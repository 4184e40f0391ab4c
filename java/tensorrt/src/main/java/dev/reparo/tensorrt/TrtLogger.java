package dev.reparo.tensorrt;

import org.bytedeco.tensorrt.nvinfer.ILogger;

/**
 * Sends TensorRT's messages to the {@code dev.reparo.tensorrt} {@link System.Logger}: errors as
 * ERROR, warnings as WARNING, the rest at DEBUG ({@link TrtEnums#level}, by value). One instance
 * serves the whole process; TensorRT may call it from any thread, and it keeps no state.
 */
final class TrtLogger extends ILogger {
  static final TrtLogger INSTANCE = new TrtLogger();
  private static final System.Logger LOG = System.getLogger("dev.reparo.tensorrt");

  private TrtLogger() {}

  @Override
  public void log(Severity severity, String msg) {
    LOG.log(TrtEnums.level(severity), "TensorRT: " + msg);
  }
}
