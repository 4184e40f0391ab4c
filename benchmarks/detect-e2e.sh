#!/usr/bin/env bash
# End to end against detection alone: 'reparo detect' over N synthetic JPEGs (default 300) with the
# demo model on 1 inference thread, in these modes, taken in turns (the order rotates each round):
#   serial       --io-threads 0, no outputs: decode, detect in turn (its "detect only" rate is the reference)
#   serial-o     --io-threads 0 --output-format png -o: the loop as it was before the pipeline
#   pipelined    default --io-threads, no outputs: decoding ahead on its own thread(s)
#   pipelined-o  default --io-threads -o: annotated JPEGs (the source's format) encoded behind
#   spark        spark-detect --master local[1] (one executor, one core; SPARK=0 leaves it out)
# Each cell is the end-to-end images/s the command reports, its ratio to the detect-only rate of the
# same round's serial run (the detector alone, nothing running beside it), and its ratio to its own
# detect-only rate (the share of the run spent in the detector: measured within one process, it
# swings less with other processes' load than the first, which compares runs seconds apart).
# Prints a Markdown table with the CPU and the load average, and the median ratios.
# Usage: benchmarks/detect-e2e.sh [ROUNDS (default 3)] [N (default 300)] [work dir (default target/e2e-bench)]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3}
n=${2:-300}
work=${3:-$root/target/e2e-bench}
reparo=${REPARO:-$root/reparo}
mkdir -p "$work"
"$reparo" version >/dev/null   # builds first if the sources changed
if [ ! -f "$work/demo/demo.onnx" ]; then
  "$reparo" detect --demo -o "$work/demo" >/dev/null 2>&1   # extracts the demo model, converts it into the cache
fi
if [ ! -d "$work/data/images" ] || [ "$(ls "$work/data/images" | wc -l)" != "$n" ]; then
  rm -rf "$work/data"
  "$reparo" synth --out "$work/data" --count "$n" --seed 7 --style classic >/dev/null 2>&1
fi
model=$work/demo/demo.onnx
images=$work/data/images
modes=(serial serial-o pipelined pipelined-o)
[ "${SPARK:-1}" = 0 ] || modes+=(spark)

run() {  # prints "END_TO_END DETECT_ONLY" images/s of one run
  local out
  rm -rf "$work/out" "$work/out.parquet"
  case $1 in
    serial) out=$("$reparo" detect -m "$model" -s "$images" --threads 1 --io-threads 0 2>/dev/null) ;;
    serial-o) out=$("$reparo" detect -m "$model" -s "$images" --threads 1 --io-threads 0 --output-format png \
      -o "$work/out" 2>/dev/null) ;;
    pipelined) out=$("$reparo" detect -m "$model" -s "$images" --threads 1 2>/dev/null) ;;
    pipelined-o) out=$("$reparo" detect -m "$model" -s "$images" --threads 1 -o "$work/out" 2>/dev/null) ;;
    spark) out=$("$reparo" spark-detect --master 'local[1]' -m "$model" -s "$images" -o "$work/out.parquet" \
      --threads 1 --spark-conf spark.driver.host=127.0.0.1 2>/dev/null)
      echo "$(echo "$out" | sed -n 's/.*unreadable[^;]*; \([0-9.]*\) images\/s.*/\1/p') -"; return ;;
  esac
  echo "$(echo "$out" | sed -n 's/.*, \([0-9.]*\) images\/s end to end.*/\1/p') \
$(echo "$out" | sed -n 's/.*; \([0-9.]*\) images\/s (detect only.*/\1/p')"
}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "CPU: $cpu, $(nproc) cores; $n images; $(date -u +%Y-%m-%dT%H:%MZ); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
header="| round | load | detect only (serial) | detect only (pipelined) |"
rule="|---|---|---|---|"
for m in "${modes[@]}"; do header+=" $m |"; rule+="---|"; done
echo "$header"
echo "$rule"
declare -A e2e own ratios owns
for r in $(seq "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  # Rotate the order so that no mode always runs first (or after the same neighbour).
  order=("${modes[@]:$(( (r - 1) % ${#modes[@]} ))}" "${modes[@]:0:$(( (r - 1) % ${#modes[@]} ))}")
  for m in "${order[@]}"; do
    read -r e d <<<"$(run "$m")"
    e2e[$m]=$e
    own[$m]=$d
    [ "$m" = serial ] && detect=$d
    [ "$m" = pipelined ] && detect_p=$d
  done
  row="| $r | $load | $detect | $detect_p |"
  for m in "${modes[@]}"; do
    ratio=$(printf '%.2f' "$(echo "${e2e[$m]:-0} / $detect" | bc -l)")
    ratios[$m]+="$ratio "
    if [ "${own[$m]}" != - ]; then
      o=$(printf '%.2f' "$(echo "${e2e[$m]:-0} / ${own[$m]}" | bc -l)")
      owns[$m]+="$o "
      row+=" ${e2e[$m]:-?} (${ratio}x; ${o}x) |"
    else
      row+=" ${e2e[$m]:-?} (${ratio}x) |"
    fi
  done
  echo "$row"
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR]=$1} END {print (NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2)}'; }
row="| median ratio | | | |"
for m in "${modes[@]}"; do
  row+=" $(median "${ratios[$m]}")x"
  [ -z "${owns[$m]:-}" ] || row+="; $(median "${owns[$m]}")x"
  row+=" |"
done
echo "$row"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
