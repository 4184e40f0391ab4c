#!/usr/bin/env bash
# Builds ncnn (static, Vulkan off, OpenMP on) from its pinned source release, once per
# version/platform/options, into a cache outside the work tree; later runs take seconds.
#
#   native/build-ncnn.sh [--link PATH] [--home DIR] [--toolchain FILE --platform NAME] [--jobs N]
#
#   --link PATH   make PATH a symlink to the install prefix (include/ncnn, lib/libncnn.a)
#   --home DIR    use a preinstalled ncnn at DIR instead of building (empty: build)
#   --toolchain   CMake toolchain file for a cross build, or the NAME of toolchains/NAME.toolchain.cmake;
#                 --platform names the target (e.g. --toolchain aarch64-linux-gnu --platform linux-arm64)
#
# Cache: ${REPARO_CACHE:-~/.cache/reparo}/ncnn/<version>-<platform>-<options hash>/
set -euo pipefail
. "$(dirname "$0")/common.sh"

link= home= toolchain= platform= jobs=$(nproc 2>/dev/null || echo 2)
while [ $# -gt 0 ]; do
  case "$1" in
    --link) link=$2; shift 2 ;;
    --home) home=$2; shift 2 ;;
    --toolchain) toolchain=$2; shift 2 ;;
    --platform) platform=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "build-ncnn.sh: unknown argument '$1' (see --help)" ;;
  esac
done

publish() {  # $1: an install prefix holding include/ncnn/c_api.h and lib/libncnn.a
  [ -f "$1/include/ncnn/c_api.h" ] || die "no include/ncnn/c_api.h under $1 (ncnn built with NCNN_C_API=ON is required)"
  [ -f "$1/lib/libncnn.a" ] || die "no lib/libncnn.a under $1 (a static ncnn built with -fPIC is required)"
  if [ -n "$link" ]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$1" "$link"
  fi
  echo "$1"
}

if [ -n "$home" ]; then
  note "using the preinstalled ncnn at $home"
  publish "$(cd "$home" && pwd)"
  exit 0
fi

require_tools cmake:cmake cc:gcc c++:g++ python3:python3 python3-venv:python3-venv
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); else require_tools make:make; fi

if [ -z "$platform" ]; then
  [ -z "$toolchain" ] || die "--toolchain needs --platform (e.g. --platform linux-arm64)"
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x86_64 ;;
    Linux-aarch64) platform=linux-arm64 ;;
    *) platform="$(uname -s | tr A-Z a-z)-$(uname -m)" ;;
  esac
fi
options=("$REPARO_ROOT/cmake/ncnn-options.cmake")
# A platform may add options of its own (e.g. which ARM extensions get runtime-dispatched kernels).
[ ! -f "$REPARO_ROOT/cmake/ncnn-options-$platform.cmake" ] || options+=("$REPARO_ROOT/cmake/ncnn-options-$platform.cmake")
compiler_cxx=${CXX:-c++}
if [ -n "$toolchain" ]; then
  [ -f "$toolchain" ] || [ ! -f "$REPARO_ROOT/toolchains/$toolchain.toolchain.cmake" ] \
    || toolchain="$REPARO_ROOT/toolchains/$toolchain.toolchain.cmake"
  [ -f "$toolchain" ] || die "no toolchain file $toolchain (nor toolchains/$toolchain.toolchain.cmake)"
  toolchain=$(cd "$(dirname "$toolchain")" && pwd)/$(basename "$toolchain")
  # The cache key names the cross compiler's version, not the host's.
  compiler_cxx=$(sed -n 's/^ *set( *CMAKE_CXX_COMPILER  *\([^ )]*\).*/\1/p' "$toolchain" | head -n 1)
  [ -n "$compiler_cxx" ] || die "$toolchain sets no CMAKE_CXX_COMPILER"
  command -v "$compiler_cxx" >/dev/null 2>&1 || die "the cross compiler $compiler_cxx (from $toolchain) is not installed.
Install it with:  sudo apt-get install -y g++-aarch64-linux-gnu"
fi
# ncnn's CMakeLists stamps the library with today's date unless told its release number.
release_flags=(-DNCNN_VERSION="${NCNN_VERSION##*.}")
key=$( {
  echo "$NCNN_VERSION $NCNN_SHA256 $platform ${release_flags[*]}"
  "$compiler_cxx" --version 2>/dev/null | head -n 1
  cat "${options[@]}"
  [ -z "$toolchain" ] || cat "$toolchain"
} | sha256sum | cut -c1-12)
dir="$REPARO_CACHE/ncnn/$NCNN_VERSION-$platform-$key"
prefix="$dir/install"

mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9   # one build per cache entry, however many Maven runs start at once

if [ -f "$prefix/.complete" ]; then
  note "ncnn $NCNN_VERSION ($platform) from cache: $prefix"
  publish "$prefix"
  exit 0
fi

started=$(date +%s)
archive=$("$REPARO_ROOT/native/fetch-ncnn.sh" --dest "$REPARO_CACHE/downloads")
src="$dir/src"
if [ ! -f "$src/CMakeLists.txt" ]; then
  rm -rf "$src" "$src.tmp" && mkdir -p "$src.tmp"
  tar -xzf "$archive" -C "$src.tmp" --strip-components=1
  mv "$src.tmp" "$src"
fi

log="$dir/build.log"
note "building ncnn $NCNN_VERSION for $platform with $jobs jobs (log: $log); a cold build takes a while"
configure=(cmake "${generator[@]}" -S "$src" -B "$dir/build" "${release_flags[@]}"
           -DCMAKE_INSTALL_PREFIX="$prefix")
for file in "${options[@]}"; do configure+=(-C "$file"); done
[ -z "$toolchain" ] || configure+=(-DCMAKE_TOOLCHAIN_FILE="$toolchain")
if ! "${configure[@]}" >"$log" 2>&1; then
  grep -E "CMake Error|error:" -A3 "$log" | head -n 30 >&2 || tail -n 30 "$log" >&2
  die "configuring ncnn failed; full log: $log"
fi

# Progress: ninja/make print "[n/total]" or "[ nn%]"; show every tenth of the way.
set +e
cmake --build "$dir/build" --parallel "$jobs" 2>&1 | tee -a "$log" | awk '
  match($0, /^\[ *[0-9]+\/[0-9]+\]/) { split(substr($0, 2, RLENGTH - 2), p, "/"); pct = int(100 * p[1] / p[2]) }
  match($0, /^\[ *[0-9]+%\]/) { pct = int(substr($0, 2, RLENGTH - 3)) }
  pct >= shown + 10 { shown = pct - pct % 10; printf "reparo native build: ncnn %d%%\n", shown > "/dev/stderr"; fflush("/dev/stderr") }'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  grep -E "error:|Error [0-9]|FAILED" -A3 "$log" | head -n 40 >&2
  die "compiling ncnn failed; full log: $log"
fi
cmake --install "$dir/build" >>"$log" 2>&1 || die "installing ncnn failed; full log: $log"
touch "$prefix/.complete"
note "ncnn built in $(( $(date +%s) - started ))s"
publish "$prefix"
