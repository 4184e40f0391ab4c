package dev.reparo.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;

/**
 * Whether TensorRT can run on this machine, found out once per process and step by step so that
 * the reason names the first missing piece: the NVIDIA kernel driver, the CUDA runtime library, a
 * GPU, the TensorRT libraries (and their major version). Thread-safe.
 */
final class TensorRtRuntime {
  /** TensorRT major version the bindings were generated for; the installed library must match. */
  static final int EXPECTED_MAJOR = nvinfer.NV_TENSORRT_MAJOR;

  /**
   * The outcome of the probe.
   *
   * @param reason empty when available; otherwise what is missing and what to install
   */
  record Status(String reason, String gpuName, int computeMajor, int computeMinor, String tensorRtVersion,
      String cudaDriver, String cudaRuntime) {
    boolean available() {
      return reason.isEmpty();
    }

    static Status unavailable(String reason) {
      return new Status(reason, "", 0, 0, "", "", "");
    }
  }

  private static volatile Status status;

  private TensorRtRuntime() {}

  static Status status() {
    Status s = status;
    if (s == null) {
      synchronized (TensorRtRuntime.class) {
        if (status == null) {
          status = probe(Path.of("/proc/driver/nvidia/version"), Path.of("/dev/nvidia0"));
        }
        s = status;
      }
    }
    return s;
  }

  /** The probe, with the driver's marker files as parameters so that tests can point elsewhere. */
  static Status probe(Path driverVersionFile, Path deviceNode) {
    String driver = driverProblem(driverVersionFile, deviceNode);
    if (!driver.isEmpty()) {
      return Status.unavailable(driver);
    }
    try {
      Loader.load(org.bytedeco.cuda.global.cudart.class);
    } catch (RuntimeException | LinkageError e) {
      return Status.unavailable("the CUDA " + cudaMajorExpected() + " runtime (libcudart) did not load: "
          + causes(e) + "; install the CUDA " + cudaMajorExpected() + " runtime");
    }
    int[] v = new int[1];
    if (cudaDriverGetVersion(v) != 0 || v[0] == 0) {
      return Status.unavailable("the NVIDIA driver is not usable (cudaDriverGetVersion reports " + v[0] + ")");
    }
    String cudaDriver = cudaVersion(v[0]);
    cudaRuntimeGetVersion(v);
    String cudaRuntime = cudaVersion(v[0]);
    int err = cudaGetDeviceCount(v);
    if (err != 0 || v[0] == 0) {
      return Status.unavailable("no CUDA GPU is visible (" + (err != 0 ? cudaGetErrorString(err).getString()
          : "0 devices") + "; CUDA driver " + cudaDriver + ", runtime " + cudaRuntime + ")");
    }
    String gpu;
    int major;
    int minor;
    try (cudaDeviceProp prop = new cudaDeviceProp()) {
      err = cudaGetDeviceProperties(prop, 0);
      if (err != 0) {
        return Status.unavailable("cannot read GPU 0's properties: " + cudaGetErrorString(err).getString());
      }
      gpu = prop.name().getString().trim();
      major = prop.major();
      minor = prop.minor();
    }
    int trt;
    try {
      Loader.load(nvinfer.class);
      Loader.load(nvonnxparser.class);
      trt = nvinfer.getInferLibVersion();
    } catch (RuntimeException | LinkageError e) {
      return Status.unavailable("the TensorRT " + EXPECTED_MAJOR + " libraries (libnvinfer, libnvonnxparser) did "
          + "not load: " + causes(e) + "; install TensorRT " + EXPECTED_MAJOR + "." + nvinfer.NV_TENSORRT_MINOR);
    }
    String version = tensorRtVersion(trt);
    if (trt / 10000 != EXPECTED_MAJOR) {
      return Status.unavailable("TensorRT " + version + " is installed but these bindings need TensorRT "
          + EXPECTED_MAJOR + ".x");
    }
    return new Status("", gpu, major, minor, version, cudaDriver, cudaRuntime);
  }

  /**
   * A load failure's message followed by its causes' messages: JavaCPP reports "no jninvinfer in java.library.path"
   * and keeps the dynamic linker's "libnvinfer.so.11: cannot open shared object file" as a cause.
   */
  static String causes(Throwable e) {
    StringBuilder s = new StringBuilder();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (t != e) {
        s.append("; caused by ");
      }
      s.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    }
    return s.toString();
  }

  /** Empty when the NVIDIA kernel driver is loaded and a device node exists; else why not. */
  static String driverProblem(Path driverVersionFile, Path deviceNode) {
    if (!Files.isReadable(driverVersionFile)) {
      return "no NVIDIA driver: " + driverVersionFile + " does not exist (install the NVIDIA driver for CUDA "
          + cudaMajorExpected() + ", or run on a machine with an NVIDIA GPU)";
    }
    if (!Files.exists(deviceNode)) {
      return "no NVIDIA GPU device: " + deviceNode + " does not exist although the driver is loaded"
          + " (in a container, pass the GPU through, e.g. docker --gpus all)";
    }
    return "";
  }

  /** CUDA encodes versions as 1000·major + 10·minor. */
  static String cudaVersion(int v) {
    return v / 1000 + "." + v % 1000 / 10;
  }

  /** TensorRT 10+ encodes its version as 10000·major + 100·minor + patch. */
  static String tensorRtVersion(int v) {
    return v / 10000 + "." + v % 10000 / 100 + "." + v % 100;
  }

  /** The CUDA major version the cuda preset was built for (13 for 13.3-9.25-1.5.14). */
  static String cudaMajorExpected() {
    return "13";
  }
}
