# Initial cache for Reparo's ncnn build (cmake -C). Its content is part of the build cache key,
# so changing an option here rebuilds ncnn into a fresh cache directory.

set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_POSITION_INDEPENDENT_CODE ON CACHE BOOL "")   # linked into a JNI shared library
set(CMAKE_INSTALL_LIBDIR lib CACHE STRING "")

set(NCNN_SHARED_LIB OFF CACHE BOOL "")
set(NCNN_VULKAN OFF CACHE BOOL "")
set(NCNN_OPENMP ON CACHE BOOL "")
set(NCNN_C_API ON CACHE BOOL "")                        # the API the JavaCPP preset binds
set(NCNN_PIXEL ON CACHE BOOL "")                        # from_pixels_resize
set(NCNN_INT8 ON CACHE BOOL "")
set(NCNN_BF16 ON CACHE BOOL "")

# The sdist carries src/ and cmake/ only: no tools/, examples/, benchmark/ or python/.
set(NCNN_BUILD_TOOLS OFF CACHE BOOL "")
set(NCNN_BUILD_EXAMPLES OFF CACHE BOOL "")
set(NCNN_BUILD_BENCHMARK OFF CACHE BOOL "")
set(NCNN_BUILD_TESTS OFF CACHE BOOL "")
set(NCNN_PYTHON OFF CACHE BOOL "")

# x86: one binary for every CPU; kernels for AVX2/AVX-512/VNNI/BF16 are chosen at run time.
set(NCNN_RUNTIME_CPU ON CACHE BOOL "")
