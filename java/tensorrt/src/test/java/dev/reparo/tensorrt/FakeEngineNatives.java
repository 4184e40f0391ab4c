package dev.reparo.tensorrt;

import dev.reparo.ReparoException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link EngineNatives} in plain Java: handles are counters, device memory is Java arrays, the
 * "engine" writes {@code input[0] * (k + 1)} into every element of output k. Every handle it hands
 * out stays in {@link #live} until released; {@link #deletes} counts the C++ deletes asked for.
 * Creation call number {@link #failAt} (0-based, counted over createRuntime, deserialize,
 * createContext, setInputShape, setTensorAddress, createStream, malloc) fails the way the real
 * call does: 0 or false from TensorRT, an exception from CUDA. Thread-safe.
 */
final class FakeEngineNatives implements EngineNatives {
  final Map<Long, String> live = new ConcurrentHashMap<>();
  final AtomicInteger deletes = new AtomicInteger();
  final AtomicInteger creations = new AtomicInteger();
  volatile int failAt = -1;
  volatile long[] engineInput = {1, 3, 4, 4};
  final Map<String, long[]> outputs = new HashMap<>(Map.of("out0", new long[] {1, 6}, "out1", new long[] {2, 3}));
  volatile String notFloat = "";
  private final AtomicLong next = new AtomicLong(0x1000);
  private final Map<Long, float[]> memory = new ConcurrentHashMap<>();
  private final Map<Long, Map<String, Long>> bindings = new ConcurrentHashMap<>();

  private boolean fails() {
    return creations.getAndIncrement() == failAt;
  }

  private long handle(String kind) {
    long h = next.getAndAdd(16);
    live.put(h, kind);
    return h;
  }

  private void release(long h, String kind) {
    String was = live.remove(h);
    if (!kind.equals(was)) {
      throw new AssertionError("released " + kind + " " + h + " which is " + was);
    }
  }

  @Override
  public long createRuntime() {
    return fails() ? 0 : handle("runtime");
  }

  @Override
  public long deserialize(long runtime, byte[] plan) {
    return fails() ? 0 : handle("engine");
  }

  @Override
  public long[] engineShape(long engine, String tensor) {
    return tensor.equals("images") ? engineInput.clone() : outputs.get(tensor);
  }

  @Override
  public boolean isFloat32(long engine, String tensor) {
    return !tensor.equals(notFloat);
  }

  @Override
  public long createContext(long engine) {
    if (fails()) {
      return 0;
    }
    long c = handle("context");
    bindings.put(c, new ConcurrentHashMap<>());
    return c;
  }

  @Override
  public boolean setInputShape(long context, String tensor, long[] shape) {
    return !fails();
  }

  @Override
  public long[] contextShape(long context, String tensor) {
    long[] s = outputs.get(tensor);
    return s == null ? null : s.clone();
  }

  @Override
  public boolean setTensorAddress(long context, String tensor, long device) {
    if (fails()) {
      return false;
    }
    bindings.get(context).put(tensor, device);
    return true;
  }

  @Override
  public boolean enqueue(long context, long stream) {
    Map<String, Long> b = bindings.get(context);
    float x = memory.get(b.get("images"))[0];
    int k = 0;
    for (String out : new String[] {"out0", "out1"}) {
      Arrays.fill(memory.get(b.get(out)), x * ++k);
    }
    return true;
  }

  @Override
  public void delete(long object) {
    deletes.incrementAndGet();
    String kind = live.get(object);
    if (kind == null || kind.equals("stream") || kind.equals("device")) {
      throw new AssertionError("delete of " + kind + " " + object);
    }
    bindings.remove(object);
    release(object, kind);
  }

  @Override
  public long createStream() {
    if (fails()) {
      throw new ReparoException("cudaStreamCreate failed: out of memory");
    }
    return handle("stream");
  }

  @Override
  public void destroyStream(long stream) {
    release(stream, "stream");
  }

  @Override
  public long malloc(long bytes) {
    if (fails()) {
      throw new ReparoException("cudaMalloc failed: out of memory");
    }
    long p = handle("device");
    memory.put(p, new float[Math.toIntExact(bytes / Float.BYTES)]);
    return p;
  }

  @Override
  public void free(long device) {
    release(device, "device");
    memory.remove(device);
  }

  @Override
  public void copyToDevice(long device, float[] host, long stream) {
    System.arraycopy(host, 0, memory.get(device), 0, host.length);
  }

  @Override
  public void copyToHost(float[] host, long device, long stream) {
    System.arraycopy(memory.get(device), 0, host, 0, host.length);
  }
}
