# Shared helpers for the native build scripts (sourced, not run).

REPARO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=ncnn.lock
. "$REPARO_ROOT/native/ncnn.lock"
REPARO_CACHE=${REPARO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reparo}

die() {
  echo "reparo native build: $*" >&2
  exit 1
}

note() {
  echo "reparo native build: $*" >&2
}

sha256_of() {
  sha256sum "$1" | cut -d' ' -f1
}

# Fails with one message that names every missing tool and the command that installs them.
require_tools() {
  local missing=() packages=() tool pkg
  for spec in "$@"; do
    tool=${spec%%:*}
    pkg=${spec#*:}
    if [ "$tool" = python3-venv ]; then
      python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && continue
    elif command -v "$tool" >/dev/null 2>&1; then
      continue
    fi
    missing+=("$tool")
    packages+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing prerequisites: ${missing[*]}.
Install them with:  sudo apt-get install -y ${packages[*]}
(or run tools/bootstrap.sh, which installs everything the build needs)"
  fi
}
