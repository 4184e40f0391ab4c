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
import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import dev.reparo.ReparoException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.INoCopy;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

/**
 * {@link EngineNatives} and {@link BuilderNatives} on TensorRT and the CUDA runtime through
 * bytedeco's bindings. Thread-safe (each handle is used by one thread at a time, as TensorRT
 * requires).
 */
final class CudaEngineNatives implements EngineNatives, BuilderNatives {
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

  @Override
  public long createBuilder() {
    return address(createInferBuilder(TrtLogger.INSTANCE));
  }

  @Override
  public long createNetwork(long builder, int flags) {
    return address(new IBuilder(at(builder)).createNetworkV2(flags));
  }

  @Override
  public long createConfig(long builder) {
    return address(new IBuilder(at(builder)).createBuilderConfig());
  }

  @Override
  public long createParser(long network) {
    return address(nvonnxparser.createParser(new INetworkDefinition(at(network)), TrtLogger.INSTANCE));
  }

  @Override
  public List<String> parse(long parser, byte[] onnx) {
    IParser p = new IParser(at(parser));
    try (BytePointer bytes = new BytePointer(onnx)) {
      if (p.parse(bytes, onnx.length)) {
        return List.of();
      }
    }
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < p.getNbErrors(); i++) {
      IParserError e = p.getError(i);
      errors.add("node '" + e.nodeName() + "' (" + e.nodeOperator() + "): " + e.desc());
    }
    return errors.isEmpty() ? List.of("no error reported") : errors;
  }

  @Override
  public void setWorkspace(long config, long bytes) {
    new IBuilderConfig(at(config)).setMemoryPoolLimit(nvinfer.MemoryPoolType.kWORKSPACE, bytes);
  }

  @Override
  public long[] inputDims(long network, String input) {
    INetworkDefinition n = new INetworkDefinition(at(network));
    for (int i = 0; i < n.getNbInputs(); i++) {
      ITensor t = n.getInput(i);
      if (input.equals(t.getName())) {
        try (Dims64 d = t.getDimensions()) {
          return dims(d);
        }
      }
    }
    return null;
  }

  @Override
  public boolean addProfile(long builder, long config, String input, long[] shape) {
    IOptimizationProfile profile = new IBuilder(at(builder)).createOptimizationProfile(); // the builder owns it
    if (profile == null || profile.isNull()) {
      return false;
    }
    try (Dims64 d = dims(shape)) {
      return profile.setDimensions(input, nvinfer.OptProfileSelector.kMIN, d)
          && profile.setDimensions(input, nvinfer.OptProfileSelector.kOPT, d)
          && profile.setDimensions(input, nvinfer.OptProfileSelector.kMAX, d)
          && new IBuilderConfig(at(config)).addOptimizationProfile(profile) >= 0;
    }
  }

  @Override
  public byte[] buildSerialized(long builder, long network, long config) {
    IHostMemory plan = new IBuilder(at(builder)).buildSerializedNetwork(new INetworkDefinition(at(network)),
        new IBuilderConfig(at(config)));
    if (plan == null || plan.isNull()) {
      return null;
    }
    try {
      byte[] out = new byte[Math.toIntExact(plan.size())];
      new BytePointer(plan.data()).capacity(plan.size()).get(out);
      return out;
    } finally {
      delete(plan);
    }
  }
}
