#!/usr/bin/env bash
# Runs the Raspberry Pi jar under user-mode emulation and checks it against the x86-64 jar.
#
#   tools/pi/run-emulated.sh [--build] [--cpus "cortex-a72 cortex-a76"] [--timeout SECONDS]
#
#   --build     rebuild the Pi jar (mvn -Plinux-arm64) even when one exists; missing jars are
#               always built
#   --cpus      the CPUs qemu emulates: cortex-a72 is a Raspberry Pi 4 (ARMv8.0 + NEON),
#               cortex-a76 a Raspberry Pi 5 (ARMv8.2 fp16 + dot product, ncnn's dispatched kernels)
#   --timeout   limit for each emulated Java run (default 900 s)
#
# Checks, in order: every native library in the Pi jar is AArch64; `reparo version` runs and
# reports the CPU features qemu emulates; `reparo detect` finds the same detections as the x86-64
# jar: `--demo` when the jar carries the demo model (FP32: same classes, boxes within 1 px, scores
# within 1e-3; and an INT8 model the x86-64 jar calibrated on the demo samples: same classes, IoU
# >= 0.85, scores within 0.03, detections that close to the threshold exempt), else a fixture
# detector (random weights) with --meta on generated images.
# The Java runtime comes from Debian's arm64 packages (tools/pi/arm64-sysroot.sh), unpacked into a
# private sysroot. Emulation checks correctness only: its timings say nothing about a real Pi.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../native/common.sh"
note() { echo "reparo pi: $*" >&2; }
die() { echo "reparo pi: $*" >&2; exit 1; }
cd "$REPARO_ROOT"

build=0 cpus="cortex-a72 cortex-a76" limit=900
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=1; shift ;;
    --cpus) cpus=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "run-emulated.sh: unknown argument '$1' (see --help)" ;;
  esac
done

qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
[ -n "$qemu" ] || die "qemu-aarch64 is missing. Install it with:  sudo apt-get install -y qemu-user-static"
require_tools readelf:binutils python3:python3 java:openjdk-17-jre-headless aarch64-linux-gnu-g++:g++-aarch64-linux-gnu

step_start=$(date +%s)
step() {
  local now
  now=$(date +%s)
  printf 'reparo pi: %-44s %4ds\n' "$1" "$((now - step_start))" >&2
  step_start=$now
}

version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)
x86_jar="java/cli/target/reparo-cli-$version-linux-x86_64.jar"
pi_jar="java/cli/target/reparo-cli-$version-linux-arm64.jar"
if [ ! -f "$x86_jar" ]; then
  mvn -B -ntp -q -pl java/cli -am -DskipTests package
  step "x86-64 jar built"
fi
if [ "$build" = 1 ] || [ ! -f "$pi_jar" ]; then
  mvn -B -ntp -q -Plinux-arm64 -pl java/cli -am package
  step "Pi jar built (ncnn cross build cached)"
fi
[ -f "$pi_jar" ] || die "no $pi_jar after the build"
printf 'reparo pi: %s, %s bytes\n' "$pi_jar" "$(stat -c %s "$pi_jar")" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/reparo-pi.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Every native library in the jar is AArch64.
python3 - "$pi_jar" "$work/natives" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if re.search(r"\.so(\.[0-9]+)*$", n)]
    for n in names:
        z.extract(n, sys.argv[2])
    print("\n".join(names))
PY
natives=$(cd "$work/natives" && find . -type f | sort)
[ -n "$natives" ] || die "$pi_jar holds no native libraries"
bad=0
for lib in $natives; do
  machine=$(readelf -h "$work/natives/$lib" 2>/dev/null | sed -n 's/^ *Machine: *//p')
  printf 'reparo pi:   %-60s %s\n' "${lib#./}" "${machine:-not ELF}" >&2
  [ "$machine" = AArch64 ] || bad=1
done
[ "$bad" = 0 ] || die "$pi_jar holds native libraries that are not AArch64 (above)"
step "natives are AArch64"

sysroot=$("$here/arm64-sysroot.sh")
step "arm64 Java runtime"

demo=0
python3 -c 'import sys, zipfile; sys.exit(0 if "dev/reparo/demo/demo.onnx" in zipfile.ZipFile(sys.argv[1]).namelist() else 1)' \
  "$pi_jar" && demo=1

run_x86() {  # $1: working directory; the rest: reparo arguments
  local dir=$1; shift
  mkdir -p "$dir"
  (cd "$dir" && java -Djava.awt.headless=true -Dreparo.cache="$dir/cache" -jar "$REPARO_ROOT/$x86_jar" "$@")
}
run_pi() {  # $1: CPU, $2: working directory; the rest: reparo arguments
  local cpu=$1 dir=$2; shift 2
  mkdir -p "$dir"
  (cd "$dir" && timeout "$limit" "$qemu" -cpu "$cpu" -L "$sysroot" \
    "$sysroot/usr/lib/jvm/java-17-openjdk-arm64/bin/java" -Djava.awt.headless=true \
    -Dreparo.cache="$dir/cache" -Dorg.bytedeco.javacpp.cachedir="$dir/javacpp" \
    -jar "$REPARO_ROOT/$pi_jar" "$@") || die "the emulated run on $cpu failed or passed ${limit}s: reparo $*"
}

if [ "$demo" = 1 ]; then
  conf=0.25
  detect_args=(detect --demo --conf "$conf")
  note "comparing 'reparo detect --demo' (bundled demo model and sample images)"
else
  conf=0.5
  fixture="$REPARO_ROOT/java/core/src/test/resources/fixtures/yolov5lite_g-default-torchscript17-raw/model.onnx"
  run_x86 "$work/x86" synth --out "$work/data" --count 3 --seed 7 --style classic --quiet >/dev/null
  detect_args=(detect -m "$fixture" -s "$work/data/images" -o annotated --conf "$conf"
    --meta 'names=["circle","square","triangle","ring","cross","star"]' --meta 'strides=[8,16,32]'
    --meta 'anchors=[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]')
  note "this jar has no demo model: comparing 'reparo detect' with the YOLOv5-Lite-g fixture on 3 generated images"
fi
run_x86 "$work/x86" "${detect_args[@]}" --json "$work/x86.json" >"$work/x86.out"
step "x86-64 reference detections"

# INT8: the x86-64 jar calibrates the demo model on its sample images; both jars then run that one
# int8 model (ncnn's int8 kernels differ per ISA: NEON/dot product on the Pi, AVX-512 VNNI here).
# --no-mixed keeps every layer but the stem in int8, so that the comparison exercises the int8 kernels
# (calibrate's default keeps the layers int8 hurts most in FP32); the accuracy of such a model on 6
# images is not the point here (benchmarks/README.md, "INT8: calibration defaults").
int8=0
if [ "$demo" = 1 ]; then
  samples="$work/x86/reparo-demo/samples/images"
  run_x86 "$work/x86" calibrate -m "$work/x86/reparo-demo/demo.onnx" --images "$samples" --method kl \
    --no-mixed --out "$work/int8" >"$work/calibrate.out" 2>&1 || { cat "$work/calibrate.out" >&2; die "calibrate on x86-64 failed"; }
  int8_args=(detect -m "$work/int8" -s "$samples" -o annotated-int8 --conf "$conf")
  run_x86 "$work/x86" "${int8_args[@]}" --json "$work/x86-int8.json" >"$work/x86-int8.out"
  int8=1
  step "x86-64 int8 model and its detections"
fi

status=0
for cpu in $cpus; do
  echo "--- $cpu: reparo version"
  run_pi "$cpu" "$work/$cpu" version | tee "$work/$cpu.version"
  grep -q '^cpu  *aarch64' "$work/$cpu.version" || die "reparo version on $cpu does not report aarch64"
  # A Pi 5's ARMv8.2 fp16 and dot-product units must be visible to ncnn's runtime dispatch.
  case "$cpu" in
    cortex-a76|neoverse-n1|max)
      grep '^isa' "$work/$cpu.version" | grep -q 'arm_asimdhp.*arm_asimddp' \
        || die "ncnn does not see ARMv8.2 fp16 and dot product on $cpu" ;;
  esac
  step "$cpu: reparo version"
  echo "--- $cpu: reparo ${detect_args[*]}"
  run_pi "$cpu" "$work/$cpu" "${detect_args[@]}" --json "$work/$cpu.json"
  step "$cpu: reparo detect"
  echo "--- $cpu: compared with x86-64"
  python3 "$here/compare_detections.py" "$work/x86.json" "$work/$cpu.json" --conf "$conf" || status=1
  if [ "$int8" = 1 ]; then
    echo "--- $cpu: reparo ${int8_args[*]}"
    run_pi "$cpu" "$work/$cpu" "${int8_args[@]}" --json "$work/$cpu-int8.json"
    step "$cpu: reparo detect (int8)"
    echo "--- $cpu: int8 compared with x86-64 int8"
    # int8 kernels differ per ISA by a quantization step per layer: boxes by IoU, scores within 0.03
    # (measured: up to 0.008 between VNNI and ARM dot product on the demo model), see compare_detections.py.
    python3 "$here/compare_detections.py" "$work/x86-int8.json" "$work/$cpu-int8.json" --conf "$conf" \
      --iou 0.85 --score-tol 0.03 || status=1
  fi
done
[ "$status" = 0 ] || die "the emulated detections differ from x86-64 (above)"
note "the Pi jar detects what the x86-64 jar detects on: $cpus"
