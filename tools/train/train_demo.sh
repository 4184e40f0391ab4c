#!/usr/bin/env bash
# Regenerates Reparo's demo model: venv, synthetic data (Java generator), training, pycocotools
# evaluation, export to java/cli/src/main/resources/dev/reparo/demo/{demo.onnx,demo.json}.
#
#   tools/train/train_demo.sh            # about an hour on 2 otherwise idle CPU cores
#
# Environment: REPARO_DEMO_DATA (data and run folder, default ~/.cache/reparo/demo),
# EPOCHS (7: the learning-rate schedule's length), STOP_AFTER (5: epochs actually run; the
# committed model met its targets there), TRAIN_IMAGES (6000), THREADS (2). Re-running resumes training from the last
# checkpoint; delete $REPARO_DEMO_DATA/run to start over.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/tools"
VENV="$TOOLS/.venv"
REQ="$TOOLS/requirements.txt"
STAMP="$VENV/.requirements.sha256"
WORK="${REPARO_DEMO_DATA:-$HOME/.cache/reparo/demo}"
EPOCHS="${EPOCHS:-7}"
STOP_AFTER="${STOP_AFTER:-5}"
TRAIN_IMAGES="${TRAIN_IMAGES:-6000}"
THREADS="${THREADS:-2}"
TRAIN_SEED=1
VAL_SEED=2    # a different seed: no val image is a train image
DEST="$ROOT/java/cli/src/main/resources/dev/reparo/demo"

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "== installing $REQ into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  echo "$want" > "$STAMP"
fi

mkdir -p "$WORK"
[ -f "$WORK/val/annotations.json" ] || "$ROOT/reparo" synth --out "$WORK/val" --count 500 --seed "$VAL_SEED"
[ -f "$WORK/train/annotations.json" ] || "$ROOT/reparo" synth --out "$WORK/train" --count "$TRAIN_IMAGES" --seed "$TRAIN_SEED"

cd "$TOOLS/train"
export OMP_NUM_THREADS="$THREADS" PYTHONHASHSEED=0
"$VENV/bin/python" train.py --train "$WORK/train" --val "$WORK/val" --out "$WORK/run" \
  --epochs "$EPOCHS" --stop-after "$STOP_AFTER" --batch 16 --lr 2e-3 --threads "$THREADS" --resume
"$VENV/bin/python" evaluate.py --data "$WORK/val" --weights "$WORK/run/best.pt" \
  --detections "$WORK/run/val_detections.json" > "$WORK/run/metrics.json"
cat "$WORK/run/metrics.json"
"$VENV/bin/python" export_demo.py --weights "$WORK/run/best.pt" --metrics "$WORK/run/metrics.json" --out "$DEST"
"$VENV/bin/python" results_md.py --run "$WORK/run" --out "$TOOLS/train/RESULTS.md"
