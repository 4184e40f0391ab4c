#!/usr/bin/env bash
# Downloads ncnn's official source release (the sdist on PyPI) with pip and verifies its sha256.
#
#   native/fetch-ncnn.sh --dest DIR [--version V] [--sha256 HEX]
#
# Prints the path of the verified archive. Defaults come from native/ncnn.lock. The archive only
# appears in DIR once its checksum matched, so DIR never holds a partial or unverified file.
set -euo pipefail
. "$(dirname "$0")/common.sh"

version=$NCNN_VERSION
expected=$NCNN_SHA256
dest=
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --sha256) expected=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "fetch-ncnn.sh: unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$dest" ] || die "fetch-ncnn.sh: --dest DIR is required"
require_tools python3:python3 python3-venv:python3-venv

archive="$dest/ncnn-$version.tar.gz"
if [ -f "$archive" ] && [ "$(sha256_of "$archive")" = "$expected" ]; then
  echo "$archive"
  exit 0
fi

# A private pip of a pinned version, so the download behaves the same on every machine.
pip_env="$REPARO_CACHE/pip-$NCNN_PIP_VERSION"
if [ ! -x "$pip_env/bin/pip" ] || ! "$pip_env/bin/pip" --version 2>/dev/null | grep -q "^pip $NCNN_PIP_VERSION "; then
  note "preparing pip $NCNN_PIP_VERSION in $pip_env"
  rm -rf "$pip_env"
  python3 -m venv "$pip_env" >/dev/null || die "python3 -m venv failed (install python3-venv)"
  "$pip_env/bin/python" -m pip install --quiet --disable-pip-version-check "pip==$NCNN_PIP_VERSION" \
    || die "could not install pip $NCNN_PIP_VERSION from PyPI (is PyPI reachable from this machine?)"
fi

mkdir -p "$dest"
work=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
note "downloading ncnn $version source release from PyPI"
# --use-deprecated=legacy-resolver: ncnn's metadata reports today's date as its version (see ncnn.lock).
if ! "$pip_env/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
      --use-deprecated=legacy-resolver --dest "$work" "ncnn==$version" >"$work/pip.log" 2>&1; then
  tail -n 5 "$work/pip.log" >&2
  die "pip could not download ncnn==$version from PyPI (is PyPI reachable? see pip's message above)"
fi
got="$work/ncnn-$version.tar.gz"
[ -f "$got" ] || die "pip finished but saved no ncnn-$version.tar.gz (it saved: $(ls "$work" | tr '\n' ' '))"
actual=$(sha256_of "$got")
if [ "$actual" != "$expected" ]; then
  die "sha256 mismatch for ncnn-$version.tar.gz: expected $expected, got $actual; refusing to use it"
fi
mv -f "$got" "$archive"
echo "$archive"
