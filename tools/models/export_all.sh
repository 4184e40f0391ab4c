#!/usr/bin/env bash
# Regenerates every committed ONNX fixture under java/core/src/test/resources/fixtures/.
#
#   tools/models/export_all.sh                 # venv (tools/.venv) + committed fixtures
#   tools/models/export_all.sh --full-a0 [DIR] # also full-size RepVGG-A0 (~36 MB/file) into DIR,
#                                              # default ${REPARO_FULL_FIXTURES:-~/.cache/reparo/fixtures}
#
# Idempotent: the venv is (re)installed only when requirements.txt changed; fixtures are seeded, so
# a re-run rewrites the same bytes.
set -euo pipefail

TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$TOOLS/.venv"
REQ="$TOOLS/requirements.txt"
STAMP="$VENV/.requirements.sha256"

extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full-a0)
      dir="${REPARO_FULL_FIXTURES:-$HOME/.cache/reparo/fixtures}"
      if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then dir="$2"; shift; fi
      extra+=(--full-a0 "$dir")
      ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) extra+=("$1") ;;
  esac
  shift
done

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "== installing $REQ into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  echo "$want" > "$STAMP"
fi

cd "$TOOLS"
# One thread: deterministic reductions (the script also calls torch.set_num_threads(1)).
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0
exec "$VENV/bin/python" -m models.export_fixtures "${extra[@]+"${extra[@]}"}"
