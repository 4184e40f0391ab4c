#!/usr/bin/env bash
# Regenerates the fixtures made by real exporters (Ultralytics `yolo export`, YOLOv5 `export.py`) into
# java/core/src/test/resources/fixtures/. Trains small models for a few CPU epochs on synthetic shapes:
# about an hour on 2 cores. Not part of the build or CI (the fixtures are committed).
#
#   tools/real/make_fixtures.sh              # both exporters
#   WORK=~/.cache/reparo/real tools/real/make_fixtures.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tools/real"
WORK="${WORK:-$HOME/.cache/reparo/real}"
OUT="$ROOT/java/core/src/test/resources/fixtures"

venv() { # venv DIR REQUIREMENTS
  local want; want="$(sha256sum "$2" | cut -d' ' -f1)"
  if [ ! -x "$1/bin/python" ] || [ "$(cat "$1/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    python3 -m venv "$1"
    "$1/bin/python" -m pip install --quiet -r "$2"
    echo "$want" > "$1/.requirements.sha256"
  fi
}
venv "$HERE/.venv-ultralytics" "$HERE/requirements-ultralytics.txt"
venv "$HERE/.venv-yolov5" "$HERE/requirements-yolov5.txt"

mkdir -p "$WORK"
[ -f "$WORK/train/annotations.json" ] || "$ROOT/reparo" synth --out "$WORK/train" --count 1500 --seed 11 --style classic
[ -f "$WORK/val/annotations.json" ] || "$ROOT/reparo" synth --out "$WORK/val" --count 200 --seed 12 --style classic
export YOLO_OFFLINE=1
"$HERE/.venv-ultralytics/bin/python" "$HERE/ultralytics_fixtures.py" --data "$WORK" --work "$WORK/work" --out "$OUT"
"$HERE/.venv-yolov5/bin/python" "$HERE/yolov5_fixtures.py" --data "$WORK/val" --work "$WORK/work5" --out "$OUT"
