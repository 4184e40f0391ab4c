#!/usr/bin/env bash
# Fuzzes each Jazzer target in java/core (dev.reparo.fuzz.FuzzTargets) for a bounded time, one
# Maven run per target (Jazzer fuzzes one target per JVM), starting from the committed corpus.
#
#   tools/fuzz.sh [--seconds 60] [TARGET ...]     # targets default to all four
#
# A finding fails the run; Jazzer writes the input beside the corpus
# (java/core/src/test/resources/dev/reparo/fuzz/FuzzTargetsInputs/<target>/): fix the reader,
# commit the input, and every later build replays it as a regression test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(onnxImporter ncnnParamReader npyReader imageDecoding)

# java/core's dependencies must be installed (the README's test command does that).
failed=()
for t in "${targets[@]}"; do
  start=$(date +%s)
  if JAZZER_FUZZ=1 mvn -B -ntp -q -o -pl java/core test -Dtest="FuzzTargets#$t" \
      -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="${seconds}s" >"${TMPDIR:-/tmp}/reparo-fuzz-$t.log" 2>&1; then
    printf 'fuzz: %-16s no finding in %ss (%ds with start-up)\n' "$t" "$seconds" "$(( $(date +%s) - start ))"
  else
    printf 'fuzz: %-16s FAILED, log follows\n' "$t"
    tail -n 60 "${TMPDIR:-/tmp}/reparo-fuzz-$t.log"
    failed+=("$t")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: findings in ${failed[*]}" >&2; exit 1; }
