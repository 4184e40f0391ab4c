# Cross build for 64-bit ARM Linux (Raspberry Pi 3/4/5 on 64-bit Raspberry Pi OS, other
# Cortex-A boards) with Debian's g++-aarch64-linux-gnu.
#
#   native/build-ncnn.sh --toolchain toolchains/aarch64-linux-gnu.toolchain.cmake --platform linux-arm64
#
# The compiler targets plain ARMv8-A (NEON is part of the base ISA), so the library runs on the
# Pi 3/4's Cortex-A53/A72; ncnn adds ARMv8.2 fp16/dot-product kernels that it picks at run time.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Headers and libraries (libgomp, libstdc++) come from the cross toolchain's own sysroot;
# build-time programs run on the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
