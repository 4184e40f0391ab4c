# Options added for linux-arm64 builds (read after ncnn-options.cmake; part of that cache key).
#
# ncnn compiles one extra copy of its kernels for each ARM extension the compiler knows and picks
# among them at run time. ARMv8.2 fp16, dot product and fp16fml (Raspberry Pi 5's Cortex-A76 and
# newer boards) stay on; ARMv8.4 bf16/i8mm and ARMv8.6 SVE exist on no Raspberry Pi and would
# only double the cross build's time.
set(NCNN_ARM82 ON CACHE BOOL "")
set(NCNN_ARM82DOT ON CACHE BOOL "")
set(NCNN_ARM82FP16FML ON CACHE BOOL "")
set(NCNN_ARM84BF16 OFF CACHE BOOL "")
set(NCNN_ARM84I8MM OFF CACHE BOOL "")
set(NCNN_ARM86SVE OFF CACHE BOOL "")
