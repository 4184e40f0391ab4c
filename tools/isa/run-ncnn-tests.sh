#!/usr/bin/env bash
# Runs java/ncnn's numeric tests on three x86-64 CPUs with the same test binary: natively (this
# machine's best kernels, e.g. AVX-512 VNNI), then on qemu-emulated CPUs with AVX2 + FMA only
# (Haswell) and with the portable SSE2 path only (qemu64). ncnn chooses its kernels at run time, so
# a test that leans on one ISA's rounding fails here rather than on a user's machine.
#
#   tools/isa/run-ncnn-tests.sh [--tests "NcnnIsaTest,DetectorOnNcnnTest,..."]
#
# Emulation is slow (each emulated JVM runs its tests ~10-30x slower); timings mean nothing here.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tests=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) tests=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run-ncnn-tests.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v qemu-x86_64-static >/dev/null 2>&1 || command -v qemu-x86_64 >/dev/null 2>&1 || {
  echo "reparo isa: qemu-x86_64 is missing. Install it with:  sudo apt-get install -y qemu-user-static" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "reparo isa: this runs on x86-64 only (the Pi has tools/pi/run-emulated.sh)" >&2; exit 1; }
cd "$root"
rm -rf java/ncnn/target/surefire-reports java/ncnn/target/surefire-reports-avx2 java/ncnn/target/surefire-reports-portable
args=(-B -ntp -Pisa-emulation -pl java/ncnn -am verify -Dsurefire.failIfNoSpecifiedTests=false)
# The ncnn module's own test list is the profile's isa.tests; -Dtest narrows every module to it
# (java/core and the preset have none of these, so they only build).
args+=("-Dtest=${tests:-$(sed -n 's:.*<isa.tests>\(.*\)</isa.tests>.*:\1:p' java/ncnn/pom.xml)}")
mvn "${args[@]}"
for d in surefire-reports surefire-reports-avx2 surefire-reports-portable; do
  dir=java/ncnn/target/$d
  [ -d "$dir" ] || { echo "reparo isa: no $dir: a run did not happen" >&2; exit 1; }
  n=$(cat "$dir"/TEST-*.xml | grep -o '<testcase ' | wc -l)
  echo "reparo isa: $d: $n test cases"
  [ "$n" -gt 0 ] || { echo "reparo isa: $d ran no test" >&2; exit 1; }
done
