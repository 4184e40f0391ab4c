#!/usr/bin/env bash
# Peer comparison with ncnn's own converter, pnnx, in one command:
#
#   benchmarks/peer-pnnx.sh [ROUNDS]        # default 200 alternating rounds per model
#
# For every committed fixture (java/core/src/test/resources/fixtures/*/model.onnx), and for the
# HardSwish form of each yolov5lite_s fixture (derived: SiLU exported the way PyTorch exports
# nn.Hardswish below opset 14, x * HardSigmoid(x), with ONNX Runtime's outputs as its reference;
# see dev.reparo.bench.HardSwishVariant), it converts the
# ONNX with pnnx (fp16=0) and with Reparo (`reparo convert`), times both on Reparo's own ncnn
# (NcnnModel, 1 thread, alternating rounds), checks both against the fixture's PyTorch outputs and
# writes benchmarks/results/peer-pnnx/{table.md,chart.png,cpu.txt} and the table into
# benchmarks/README.md (between the peer-pnnx markers).
#
# pnnx and the ncnn wheel come from the Python package index into their own venv under
# ~/.cache/reparo (PEER_VENV), never into the repository and never as a build dependency.
# Environment: PNNX_VERSION, NCNN_VERSION (pins), PEER_WORK (scratch, default ~/.cache/reparo/peer/work),
# MVN_ARGS (default -o: build offline), SKIP_BUILD=1 (use the jars already in target/),
# PEER_ONLY (a glob on fixture names, e.g. 'yolov5lite_s-*'), REPARO_CLI (another Reparo CLI jar to compare, e.g. an older commit's) with PEER_RESULTS (results
# folder name under benchmarks/results; when set, README.md is left alone).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-200}"
pnnx_version="${PNNX_VERSION:-20261020}"
ncnn_version="${NCNN_VERSION:-1.0.20261020}"
venv="${PEER_VENV:-$HOME/.cache/reparo/peer/venv-pnnx}"
work="${PEER_WORK:-$HOME/.cache/reparo/peer/work}"
results="$root/benchmarks/results/${PEER_RESULTS:-peer-pnnx}"
fixtures="$root/java/core/src/test/resources/fixtures"

# 1. pnnx + ncnn wheels, pinned, in their own venv (reinstalled only when the pins change).
stamp="$venv/.reparo-pins"
if [ ! -x "$venv/bin/pnnx" ] || [ "$(cat "$stamp" 2>/dev/null)" != "pnnx==$pnnx_version ncnn==$ncnn_version" ]; then
  echo "== installing pnnx==$pnnx_version ncnn==$ncnn_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet "pnnx==$pnnx_version" "ncnn==$ncnn_version"
  echo "pnnx==$pnnx_version ncnn==$ncnn_version" > "$stamp"
fi

# 2. Reparo's CLI and the benchmarks jar.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building Reparo (mvn package)"
  (cd "$root" && mvn -B -ntp ${MVN_ARGS--o} -q -DskipTests package)
fi
case "$(uname -m)" in aarch64|arm64) platform=linux-arm64 ;; *) platform=linux-x86_64 ;; esac
cli="${REPARO_CLI:-$(ls "$root"/java/cli/target/reparo-cli-*-"$platform".jar | head -n 1)}"
bench="$root/benchmarks/target/benchmarks.jar"

# 3. Convert every fixture both ways.
rm -rf "$work"
mkdir -p "$work"
for model in "$fixtures"/*/model.onnx; do
  dir="$(dirname "$model")"
  name="$(basename "$dir")"
  [ -f "$dir/input.npy" ] && [ -f "$dir/info.json" ] || continue
  # shellcheck disable=SC2053 # PEER_ONLY is a glob on purpose
  [[ "$name" == ${PEER_ONLY:-*} ]] || continue
  mkdir -p "$work/$name"
  ln -s "$dir" "$work/$name/ref"
  case "$name" in
    yolov5lite_s-*)
      java -cp "$bench" dev.reparo.bench.HardSwishVariant "$dir" "$work/$name-hardswish/ref" ;;
  esac
done
for out in "$work"/*/; do
  out="${out%/}"
  name="$(basename "$out")"
  mkdir -p "$out/pnnx" "$out/reparo" "$out/reparo-raw"
  shape="$(python3 -c 'import json,sys; print(",".join(map(str, json.load(open(sys.argv[1]))["input"]["shape"])))' "$out/ref/info.json")"
  cp "$out/ref/model.onnx" "$out/pnnx/model.onnx"
  if ! (cd "$out/pnnx" && "$venv/bin/pnnx" model.onnx "inputshape=[$shape]" fp16=0 > pnnx.log 2>&1); then
    echo "   pnnx failed on $name (see $out/pnnx/pnnx.log)"
  fi
  java -jar "$cli" convert "$out/ref/model.onnx" -o "$out/reparo" > "$out/reparo/convert.log" 2>&1
  # With the decode cut off the head (where it applies): PeerComparison's time-to-detections columns.
  java -jar "$cli" convert "$out/ref/model.onnx" -o "$out/reparo-raw" --raw-head > "$out/reparo-raw/convert.log" 2>&1 \
    || echo "   reparo convert --raw-head failed on $name (see $out/reparo-raw/convert.log)"
  echo "   converted $name"
done

# 4. Time and check both, write the table and the chart.
mkdir -p "$results"
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' > "$results/cpu.txt"
{ java -jar "$cli" version 2>/dev/null | awk '/^isa/{$1=""; print "ISA:" $0}'
  echo "pnnx $pnnx_version (ncnn wheel $ncnn_version beside it), timed on Reparo's ncnn $(java -jar "$cli" version 2>/dev/null | awk '/^ncnn/{print $2}')"
  date -u +%Y-%m-%dT%H:%MZ; } >> "$results/cpu.txt"
java -cp "$bench" dev.reparo.bench.PeerComparison "$work" "$results" "$rounds"

# 5. The table into benchmarks/README.md.
[ -z "${PEER_RESULTS:-}" ] || exit 0
python3 - "$root/benchmarks/README.md" "$results/table.md" "$results/cpu.txt" <<'PY'
import sys
readme, table, cpu = (open(p).read() for p in sys.argv[1:4])
begin, end = "<!-- peer-pnnx:begin -->", "<!-- peer-pnnx:end -->"
lines = cpu.strip().splitlines()
block = f"{begin}\nCPU: {lines[0]}; {'; '.join(lines[1:])}.\n\n{table.strip()}\n\n![pnnx vs Reparo](results/peer-pnnx/chart.png)\n{end}"
if begin in readme:
    readme = readme[:readme.index(begin)] + block + readme[readme.index(end) + len(end):]
else:
    readme = readme.rstrip() + "\n\n## Peer comparison: pnnx\n\n" + block + "\n"
open(sys.argv[1], "w").write(readme)
PY
echo "== results in $results, table in benchmarks/README.md"
