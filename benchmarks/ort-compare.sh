#!/usr/bin/env bash
# ONNX Runtime's quantize_static (MinMax / Entropy / Percentile, QDQ, per-channel) against Reparo's
# default calibrate on the demo model: the same 160 calibration images, the same validation sets,
# every int8 model run by ONNX Runtime through `reparo eval --backend onnxruntime` (conf 0.001).
# Run benchmarks/int8-defaults.sh first (same --work): it makes the images and int8-default.
#
#   PYTHON=<venv python with onnxruntime, numpy, Pillow> benchmarks/ort-compare.sh [--work DIR]
#
# reparo's converter does not read QuantizeLinear/DequantizeLinear, so an ORT-quantized ONNX cannot
# be given to eval directly; it is put in place of model.qdq.onnx in a copy of Reparo's int8 model
# directory (model.json's digest updated), which is the file eval's onnxruntime backend runs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${TMPDIR:-/tmp}/reparo-int8-defaults
[ "${1:-}" = --work ] && work=$2
reparo=${REPARO:-$root/reparo}
python=${PYTHON:-python3}
cd "$work"
[ -f int8-default/model.json ] || { echo "ort-compare.sh: run int8-defaults.sh first" >&2; exit 2; }
"$python" "$root/benchmarks/ort-quantize.py" demo.onnx calib/images ort --count 160 >>ort.log 2>&1
sets="val2 val5 val5s"
map() {
  $reparo eval -m "$1" --backend onnxruntime --gt "$2/annotations.json" 2>>progress.log \
    | awk '/IoU=0.50:0.95 \| area=   all \| maxDets=100/ && /Precision/ {print $NF}'
}
declare -A fp32
row="| FP32 (ORT) |"
for s in $sets; do fp32[$s]=$(map demo.onnx "$s"); row="$row ${fp32[$s]} |"; done
echo "| model, run by ONNX Runtime | $(for s in $sets; do printf '%s mAP (drop pt) | ' "$s"; done)"
echo "|---|$(for s in $sets; do printf -- '---:|'; done)"
echo "$row"
for m in reparo-default ort-minmax ort-entropy ort-percentile; do
  dir=int8-default
  if [ "$m" != reparo-default ]; then
    dir="ortdir-$m"
    rm -rf "$dir"
    cp -r int8-default "$dir"
    cp "ort/$m.onnx" "$dir/model.qdq.onnx"
    "$python" - "$dir" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
j = json.load(open(f"{d}/model.json"))
j["sha256"]["onnx_qdq"] = hashlib.sha256(open(f"{d}/model.qdq.onnx", "rb").read()).hexdigest()
json.dump(j, open(f"{d}/model.json", "w"), indent=2)
PY
  fi
  row="| $m |"
  for s in $sets; do
    v=$(map "$dir" "$s")
    row="$row $v ($(awk -v a="$v" -v b="${fp32[$s]}" 'BEGIN {printf "%+.1f", (a - b) * 100}')) |"
  done
  echo "$row"
done
