package dev.reparo.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import dev.reparo.ReparoException;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.INoCopy;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

/** {@link EngineNatives} on TensorRT and the CUDA runtime through bytedeco's bindings. Thread-safe. */
final class CudaEngineNatives implements EngineNatives {
  static final CudaEngineNatives INSTANCE = new CudaEngineNatives();
  private static final AtomicLong DELETED = new AtomicLong();

  private CudaEngineNatives() {}

  /** TensorRT objects deleted by this process so far (for the load/close cycle test). */
  static long deleted() {
    return DELETED.get();
  }

  /**
   * Deletes a TensorRT object; typed so that only {@code INoCopy} interfaces, the ones whose
   * destructor {@link TrtDelete} can reach, get here (not the ONNX parser).
   */
  static void delete(INoCopy object) {
    INSTANCE.delete(address(object));
  }

  /** Free device memory in bytes. */
  static long deviceFreeBytes() {
    try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
      check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
      return free.get();
    }
  }

  /** A pointer object to a native address, for the bindings' typed constructors. */
  static Pointer at(long a) {
    return new Pointer() {
      {
        address = a;
      }
    };
  }

  static long[] dims(Dims64 d) {
    if (d == null || d.nbDims() < 0) {
      return null;
    }
    long[] s = new long[d.nbDims()];
    for (int i = 0; i < s.length; i++) {
      s[i] = d.d(i);
    }
    return s;
  }

  static Dims64 dims(long[] shape) {
    Dims64 d = new Dims64().nbDims(shape.length);
    for (int i = 0; i < shape.length; i++) {
      d.d(i, shape[i]);
    }
    return d;
  }

  private static long address(Pointer p) {
    return p == null ? 0 : p.address();
  }

  static void check(int err, String call) {
    if (err != 0) {
      throw new ReparoException(call + " failed: " + cudaGetErrorString(err).getString() + " (CUDA error " + err + ")");
    }
  }

  @Override
  public long createRuntime() {
    return address(createInferRuntime(TrtLogger.INSTANCE));
  }

  @Override
  public long deserialize(long runtime, byte[] plan) {
    try (BytePointer p = new BytePointer(plan)) {
      return address(new IRuntime(at(runtime)).deserializeCudaEngine(p, plan.length));
    }
  }

  @Override
  public long[] engineShape(long engine, String tensor) {
    try (Dims64 d = new ICudaEngine(at(engine)).getTensorShape(tensor)) {
      return dims(d);
    }
  }

  @Override
  public boolean isFloat32(long engine, String tensor) {
    return TrtEnums.isFloat32(new ICudaEngine(at(engine)).getTensorDataType(tensor));
  }

  @Override
  public long createContext(long engine) {
    return address(new ICudaEngine(at(engine)).createExecutionContext());
  }

  @Override
  public boolean setInputShape(long context, String tensor, long[] shape) {
    try (Dims64 d = dims(shape)) {
      return new IExecutionContext(at(context)).setInputShape(tensor, d);
    }
  }

  @Override
  public long[] contextShape(long context, String tensor) {
    try (Dims64 d = new IExecutionContext(at(context)).getTensorShape(tensor)) {
      return dims(d);
    }
  }

  @Override
  public boolean setTensorAddress(long context, String tensor, long device) {
    return new IExecutionContext(at(context)).setTensorAddress(tensor, at(device));
  }

  @Override
  public boolean enqueue(long context, long stream) {
    return new IExecutionContext(at(context)).enqueueV3(new CUstream_st(at(stream)));
  }

  @Override
  public void delete(long object) {
    if (object != 0) {
      TrtDelete.delete(at(object));
      DELETED.incrementAndGet();
    }
  }

  @Override
  public long createStream() {
    CUstream_st s = new CUstream_st();
    check(cudaStreamCreate(s), "cudaStreamCreate");
    return s.address();
  }

  @Override
  public void destroyStream(long stream) {
    check(cudaStreamDestroy(new CUstream_st(at(stream))), "cudaStreamDestroy");
  }

  @Override
  public long malloc(long bytes) {
    Pointer p = new Pointer();
    check(cudaMalloc(p, bytes), "cudaMalloc(" + bytes + ")");
    return p.address();
  }

  @Override
  public void free(long device) {
    check(cudaFree(at(device)), "cudaFree");
  }

  @Override
  public void copyToDevice(long device, float[] host, long stream) {
    CUstream_st s = new CUstream_st(at(stream));
    try (FloatPointer h = new FloatPointer(host)) {
      check(cudaMemcpyAsync(at(device), h, (long) host.length * Float.BYTES, cudaMemcpyHostToDevice, s),
          "cudaMemcpyAsync");
      check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
    }
  }

  @Override
  public void copyToHost(float[] host, long device, long stream) {
    CUstream_st s = new CUstream_st(at(stream));
    try (FloatPointer h = new FloatPointer(host.length)) {
      check(cudaMemcpyAsync(h, at(device), (long) host.length * Float.BYTES, cudaMemcpyDeviceToHost, s),
          "cudaMemcpyAsync");
      check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
      h.get(host);
    }
  }
}
