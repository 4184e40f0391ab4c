#!/usr/bin/env bash
# Builds everything (ncnn from source on first use, then from its cache) and runs every test,
# native ncnn inference included. Extra arguments go to Maven, e.g. -Dncnn.home=/opt/ncnn.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tools/bootstrap.sh
exec mvn -B -ntp verify "$@"
