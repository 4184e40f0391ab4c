#!/usr/bin/env bash
# INT8 accuracy of the bundled demo model, per calibration method: mAP on the synthetic validation
# split (500 images, seed 2) with ncnn (int8 param/bin) and ONNX Runtime (Q/DQ ONNX), and the cosine
# of each head's raw output to FP32 on one validation image. Prints a Markdown table.
#
#   benchmarks/int8-accuracy.sh [--methods "kl aciq eq minmax percentile"] [--calib-count 200] [--work DIR]
#
# Calibration images come from another seed (3), never from the validation split.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
methods="kl aciq eq minmax percentile" count=200 work=${TMPDIR:-/tmp}/reparo-int8-accuracy
while [ $# -gt 0 ]; do
  case "$1" in
    --methods) methods=$2; shift 2 ;;
    --calib-count) count=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "int8-accuracy.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
reparo="$root/reparo"
mkdir -p "$work"
[ -f "$work/val/annotations.json" ] || "$reparo" synth --out "$work/val" --count 500 --seed 2 --style classic --quiet >/dev/null
[ -f "$work/calib/annotations.json" ] || "$reparo" synth --out "$work/calib" --count "$count" --seed 3 --style classic --quiet >/dev/null
[ -f "$work/demo/demo.onnx" ] || "$reparo" detect --demo -o "$work/demo" >/dev/null
model="$work/demo/demo.onnx"
first=$(ls "$work/val/images" | head -n 1)

# One input for the head cosines: the first validation image through detect's pre-processing.
"$reparo" infer -m "$model" --image "$work/val/images/$first" --out "$work/fp32-out" >/dev/null

ap() {  # eval output -> "mAP50 mAP50-95"
  awk '/IoU=0.50:0.95 \| area=   all \| maxDets=100/ && /Precision/ {m=$NF} /IoU=0.50      \| area=   all \| maxDets=100/ && /Precision/ {m50=$NF} END {print m50, m}'
}
cosines() {  # two infer output folders -> "p3 p4 p5" cosines
  python3 - "$1" "$2" <<'PY'
import array, ast, os, sys
def npy(path):
    with open(path, "rb") as f:
        data = f.read()
    hlen = int.from_bytes(data[8:10], "little")
    header = ast.literal_eval(data[10:10 + hlen].decode("latin1"))
    assert header["descr"] == "<f4" and not header["fortran_order"], header
    a = array.array("f")
    a.frombytes(data[10 + hlen:])
    return a
out = []
for name in sorted(os.listdir(sys.argv[1])):
    a, b = npy(os.path.join(sys.argv[1], name)), npy(os.path.join(sys.argv[2], name))
    dot = sum(x * y for x, y in zip(a, b))
    na = sum(x * x for x in a) ** 0.5
    nb = sum(y * y for y in b) ** 0.5
    out.append(f"{dot / (na * nb):.4f}")
print(" / ".join(out))
PY
}

echo "| model | ncnn mAP@0.5 | ncnn mAP@0.5:0.95 | ORT mAP@0.5 | ORT mAP@0.5:0.95 | head cosine to FP32 (ncnn) |"
echo "|---|---:|---:|---:|---:|---|"
read -r n50 n < <("$reparo" eval -m "$model" --gt "$work/val/annotations.json" 2>>"$work/progress.log" | ap)
read -r o50 o < <("$reparo" eval -m "$model" --backend onnxruntime --gt "$work/val/annotations.json" 2>>"$work/progress.log" | ap)
echo "| FP32 | $n50 | $n | $o50 | $o | 1 |"
for m in $methods; do
  out="$work/int8-$m"
  "$reparo" calibrate -m "$model" --images "$work/calib/images" --count "$count" --method "$m" --no-mixed --no-estimate --out "$out" \
    >"$work/calibrate-$m.log" 2>&1 || { cat "$work/calibrate-$m.log" >&2; exit 1; }
  read -r n50 n < <("$reparo" eval -m "$out" --gt "$work/val/annotations.json" 2>>"$work/progress.log" | ap)
  read -r o50 o < <("$reparo" eval -m "$out" --backend onnxruntime --gt "$work/val/annotations.json" 2>>"$work/progress.log" | ap)
  rm -rf "$work/int8-out"
  "$reparo" infer -m "$out" --image "$work/val/images/$first" --out "$work/int8-out" >/dev/null
  echo "| int8 $m | $n50 | $n | $o50 | $o | $(cosines "$work/fp32-out" "$work/int8-out") |"
done
