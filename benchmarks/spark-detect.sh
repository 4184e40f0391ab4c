#!/usr/bin/env bash
# Images per second of 'reparo spark-detect' on local[1], local[2] and a standalone cluster of two
# 1-core workers (master, workers and executors in their own JVMs on 127.0.0.1, started here from the
# Spark jars the build resolved and killed on exit) against the single-JVM 'reparo detect' on the same
# images, and the per-image cost of each from the difference between a run over N and over 2N images
# (which cancels JVM and Spark start-up and the model's opening).
# Usage: benchmarks/spark-detect.sh [N (default 200)] [work dir (default target/spark-bench)]
# Environment: BACKEND (default ncnn), REPARO (the command to run, default ./reparo), CLUSTER=0 to
# leave the cluster out.
# Prints a Markdown table; numbers from one run on a shared machine are noisy.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-200}
work=${2:-$root/target/spark-bench}
reparo=${REPARO:-$root/reparo}
backend=${BACKEND:-ncnn}
model="$root/java/core/src/test/resources/fixtures/yolov5lite_e-training-torchscript11-raw/model.onnx"
args=(--meta 'names=["circle","square","triangle","ring","cross","star"]' --meta 'strides=[8,16,32]'
  --meta 'anchors=[[10,13,16,30,33,23],[30,61,62,45,59,119],[116,90,156,198,373,326]]' --meta 'input_size=320' --backend "$backend" --conf 0.9 --max-det 50)
mkdir -p "$work"
# Build (if the sources changed) with the default caches, before REPARO_CACHE points at a fresh one:
# the build finds its ncnn there too. This also lists java/spark/target/spark-classpath.txt.
"$reparo" version >/dev/null
export REPARO_CACHE="$work/cache"

# Two image sets: the first N images, and 2N (the same N plus N more).
if [ ! -d "$work/data2" ]; then
  "$reparo" synth --out "$work/data2" --count $((2 * n)) --seed 7 --style classic >/dev/null 2>&1
fi
if [ ! -d "$work/data1/images" ]; then
  mkdir -p "$work/data1/images"
  files=("$work"/data2/images/*.jpg)   # sorted by name
  cp "${files[@]:0:n}" "$work/data1/images/"
fi

now() { date +%s.%N; }

# The standalone cluster: a master and two workers of 1 core and 1 GB, bound to 127.0.0.1.
masters=()
cluster_pids=()
stop_cluster() {
  for pid in "${cluster_pids[@]}"; do
    pkill -KILL -P "$pid" 2>/dev/null || true   # the worker's executors
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_cluster EXIT
if [ "${CLUSTER:-1}" != 0 ]; then
  export SPARK_HOME="$work/spark-home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13
  mkdir -p "$SPARK_HOME/jars"
  tr ':' '\n' < "$root/java/spark/target/spark-classpath.txt" | while read -r jar; do ln -sf "$jar" "$SPARK_HOME/jars/"; done
  read -r -a flags < "$root/java/spark/target/spark-jvm-flags.txt" || true   # no newline at its end
  daemon() { java "${flags[@]}" -Xmx256m -Dspark.master.rest.enabled=false -cp "$SPARK_HOME/jars/*" "$@"; }
  daemon org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 >"$work/master.log" 2>&1 &
  cluster_pids+=($!)
  for _ in $(seq 120); do
    url=$(sed -n 's/.*Starting Spark master at \(spark:[^ ]*\).*/\1/p' "$work/master.log")
    [ -n "$url" ] && grep -q "elected leader" "$work/master.log" && break
    sleep 0.5
  done
  [ -n "$url" ] || { echo "the Spark master did not start; see $work/master.log" >&2; exit 1; }
  for w in 1 2; do
    daemon org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 1g --webui-port 0 \
      --work-dir "$work/worker$w" "$url" >"$work/worker$w.log" 2>&1 &
    cluster_pids+=($!)
  done
  for w in 1 2; do
    for _ in $(seq 120); do grep -q "Successfully registered" "$work/worker$w.log" && break; sleep 0.5; done
  done
  masters+=("$url")
fi
# Warm-up: converts the model into the cache and lets the JVMs' files reach the page cache.
"$reparo" detect -m "$model" -s "$work/data1/images" --threads 1 "${args[@]}" >/dev/null 2>&1

declare -A wall rate
for set in 1 2; do
  t0=$(now)
  out=$("$reparo" detect -m "$model" -s "$work/data$set/images" --threads 1 "${args[@]}" 2>/dev/null)
  wall[detect,$set]=$(echo "$(now) - $t0" | bc -l)
  rate[detect,$set]=$(echo "$out" | sed -n 's/.*; \([0-9.]*\) images\/s (detect only.*/\1/p')
  for cores in 1 2 cluster; do
    [ $cores = cluster ] && [ ${#masters[@]} = 0 ] && continue
    master="local[$cores]"
    [ $cores = cluster ] && master=${masters[0]}
    rm -rf "$work/out.parquet"
    t0=$(now)
    out=$("$reparo" spark-detect --master "$master" -m "$model" -s "$work/data$set/images" \
      -o "$work/out.parquet" --threads 1 --spark-conf spark.driver.host=127.0.0.1 "${args[@]}" 2>/dev/null)
    wall[spark$cores,$set]=$(echo "$(now) - $t0" | bc -l)
    rate[spark$cores,$set]=$(echo "$out" | sed -n 's/.*unreadable; \([0-9.]*\) images\/s.*/\1/p')
  done
done

per_image() { echo "(${wall[$1,2]} - ${wall[$1,1]}) * 1000 / $n" | bc -l; }
d=$(per_image detect)
echo "| run | wall, $n images (s) | wall, $((2 * n)) images (s) | marginal ms/image | marginal images/s | vs detect | reported images/s ($((2 * n))) |"
echo "|---|---|---|---|---|---|---|"
for k in detect spark1 spark2 sparkcluster; do
  [ -n "${wall[$k,2]:-}" ] || continue
  m=$(per_image $k)
  case $k in detect) name='`reparo detect` (1 JVM, 1 thread)';; spark1) name='`spark-detect --master local[1]`';;
    spark2) name='`spark-detect --master local[2]`';; sparkcluster) name='`spark-detect`, standalone, 2 workers x 1 core';; esac
  printf '| %s | %.1f | %.1f | %.2f | %.1f | %.2f | %s |\n' "$name" "${wall[$k,1]}" "${wall[$k,2]}" "$m" \
    "$(echo "1000 / $m" | bc -l)" "$(echo "$d / $m" | bc -l)" "${rate[$k,2]}"
done
