#!/usr/bin/env bash
# mAP@0.5:0.95 drop of int8 against FP32 per calibration method, on the bundled demo model, on three
# validation sets: `reparo synth` seed 2 (the one of int8-accuracy.sh), seed 5, and seed 5 shifted
# by shift-images.py (contrast, brightness, colour cast, blur, noise, JPEG 35; needs a python with
# Pillow and numpy: PYTHON=...). Calibration: 200 images of seed 3. `reparo eval` at its defaults
# (ncnn, conf 0.001). Prints a Markdown table; logs go to --work.
#
#   benchmarks/int8-defaults.sh [--methods "default kl aciq eq minmax percentile auto"] [--work DIR]
#
# "default" is `reparo calibrate` without --method/--mixed (auto + mixed precision); any other word
# is passed as --method with --no-mixed (every layer int8 but the stem), and "X+mixed" keeps mixed
# precision on. The last columns: layers calibrate kept in FP32, and the agreement with FP32 on the
# held-back calibration images and the drop calibrate predicts from it (its printed estimate).
# REPARO=cmd overrides the CLI (default: ./reparo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
methods="default kl aciq eq minmax percentile auto" work=${TMPDIR:-/tmp}/reparo-int8-defaults
while [ $# -gt 0 ]; do
  case "$1" in
    --methods) methods=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "int8-defaults.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
reparo=${REPARO:-$root/reparo}
python=${PYTHON:-python3}
mkdir -p "$work"
cd "$work"
[ -f val2/annotations.json ] || $reparo synth --out val2 --count 500 --seed 2 --style classic --quiet >/dev/null
[ -f val5/annotations.json ] || $reparo synth --out val5 --count 500 --seed 5 --style classic --quiet >/dev/null
[ -f val5s/annotations.json ] || "$python" "$root/benchmarks/shift-images.py" val5 val5s >/dev/null
[ -f calib/annotations.json ] || $reparo synth --out calib --count 200 --seed 3 --style classic --quiet >/dev/null
cp "$root/java/cli/src/main/resources/dev/reparo/demo/demo.onnx" demo.onnx
sets="val2 val5 val5s"

map() {  # model set -> mAP@0.5:0.95
  $reparo eval -m "$1" --gt "$2/annotations.json" 2>>progress.log \
    | awk '/IoU=0.50:0.95 \| area=   all \| maxDets=100/ && /Precision/ {print $NF}'
}
declare -A fp32
row="| FP32 |"
for s in $sets; do fp32[$s]=$(map demo.onnx "$s"); row="$row ${fp32[$s]} |"; done
echo "| calibration | $(for s in $sets; do printf '%s mAP (drop pt) | ' "$s"; done)FP32 layers | held-back agreement | predicted drop |"
echo "|---|$(for s in $sets; do printf -- '---:|'; done)---:|---:|---:|"
echo "$row | | |"
for m in $methods; do
  args=()
  base=${m%+mixed}
  [ "$base" = default ] || args+=(--method "$base")
  [ "$base" = "$m" ] && [ "$base" != default ] && args+=(--no-mixed)
  out="int8-$m"
  rm -rf "$out"
  start=$(date +%s)
  $reparo calibrate -m demo.onnx --images calib/images --count 200 "${args[@]}" --out "$out" \
    >"calibrate-$m.log" 2>&1 || { cat "calibrate-$m.log" >&2; exit 1; }
  secs=$(( $(date +%s) - start ))
  row="| $m (${secs} s) |"
  for s in $sets; do
    v=$(map "$out" "$s")
    row="$row $v ($(awk -v a="$v" -v b="${fp32[$s]}" 'BEGIN {printf "%+.1f", (a - b) * 100}')) |"
  done
  fp=$(sed -n 's/.* \([0-9]*\) kept in FP32.*/\1/p' "calibrate-$m.log" | head -n 1)
  agree=$(sed -n 's/.*mAP@0.5:0.95 \([0-9.]*\) (1 = same.*/\1/p' "calibrate-$m.log")
  pred=$(sed -n 's/.*drop against labels: about \([0-9.]*\) pt.*/\1/p' "calibrate-$m.log")
  echo "$row ${fp:-0} | $agree | $pred |"
done
