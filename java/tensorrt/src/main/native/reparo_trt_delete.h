// C++ delete for TensorRT objects, without TensorRT's headers.
//
// TensorRT 10 removed destroy(): its objects are released with `delete`, which runs the virtual
// destructor of the library's concrete class and that class's operator delete. Every nvinfer1
// interface a factory returns (IRuntime, ICudaEngine, IExecutionContext, IBuilder,
// IBuilderConfig, INetworkDefinition, IHostMemory) derives from nvinfer1::INoCopy alone (as
// bytedeco's 11.2 bindings, generated from TensorRT 11.2's headers, also show), and INoCopy's only
// virtual member is its destructor. Under the Itanium C++ ABI (Linux x86-64 and
// AArch64) a virtual destructor takes the first two vtable entries of such a class, complete-object
// destructor then deleting destructor, and `delete p` through a base with a virtual destructor
// calls the deleting entry. A class here with the same shape, a virtual destructor and nothing
// else virtual, therefore reaches exactly that entry. (nvonnxparser::IParser does NOT have this
// shape: its destructor sits after other virtual functions, at a position that changes between
// releases, so it is not deleted through this helper.)
#ifndef REPARO_TRT_DELETE_H
#define REPARO_TRT_DELETE_H

#include <atomic>

namespace reparo_trt {

class NoCopyShape {
 public:
  virtual ~NoCopyShape() = default;
};

// Self-test: a class declared apart from NoCopyShape with the same vtable shape, as a TensorRT
// implementation class is; deleting one through reparo_trt_delete must run its destructor.
inline std::atomic<long>& probes() {
  static std::atomic<long> alive{0};
  return alive;
}

class Probe {
 public:
  Probe() { ++probes(); }
  virtual ~Probe() { --probes(); }

 private:
  void* impl_ = nullptr;
  char payload_[256] = {};
};

}  // namespace reparo_trt

inline void reparo_trt_delete(void* object) {
  delete static_cast<reparo_trt::NoCopyShape*>(object);
}

inline void* reparo_trt_probe_new() { return new reparo_trt::Probe(); }

inline long reparo_trt_probes_alive() { return reparo_trt::probes().load(); }

#endif
