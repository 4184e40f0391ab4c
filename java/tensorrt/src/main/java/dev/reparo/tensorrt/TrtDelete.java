package dev.reparo.tensorrt;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * C++ {@code delete} for the TensorRT objects factories return. JavaCPP's {@code close()} frees
 * nothing on them (they carry no deallocator), and TensorRT 10 removed {@code destroy()}. The JNI
 * library is ours, built from {@code src/main/native/reparo_trt_delete.h}, which says which ABI fact
 * it relies on; it links no TensorRT or CUDA library, so it loads (and its self-test runs) on any
 * machine. Thread-safe.
 */
@Platform(include = "reparo_trt_delete.h")
final class TrtDelete {
  static {
    Loader.load();
  }

  private TrtDelete() {}

  /** Deletes a TensorRT object whose interface derives from {@code nvinfer1::INoCopy} alone. */
  @Name("reparo_trt_delete")
  static native void delete(Pointer object);

  /** Self-test: a new C++ object with the same vtable shape that counts itself alive. */
  @Name("reparo_trt_probe_new")
  static native Pointer newProbe();

  /** Self-test: how many probes are alive. */
  @Name("reparo_trt_probes_alive")
  static native long probesAlive();
}
