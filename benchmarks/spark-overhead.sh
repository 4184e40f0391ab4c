#!/usr/bin/env bash
# Spark's per-image overhead in one warmed-up JVM: ReparoSpark.detect on local[1] and local[2]
# against a plain Detector loop (java/spark's SparkOverheadBenchmark; best of ROUNDS rounds).
# Usage: benchmarks/spark-overhead.sh IMAGE_DIR [BACKEND (default onnxruntime)] [ROUNDS (default 3)]
# Needs java/spark built (mvn -pl java/spark -am install -DskipTests). Prints Markdown table rows.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cp_file=$root/java/spark/target/test-classpath.txt
(cd "$root" && mvn -B -q -ntp -o -pl java/spark dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file") >&2
echo "| run | ms/image | images/s | vs plain loop |"
echo "|---|---|---|---|"
# CLASSPATH, not -cp: ONNX Runtime 1.29 crashes when the command line is longer than about 4 KB.
CLASSPATH="$root/java/spark/target/test-classes:$root/java/spark/target/classes:$(cat "$cp_file")" \
  java $(cat "$root/java/spark/target/spark-jvm-flags.txt") \
  -Dlog4j2.configurationFile="$root/java/spark/launcher/log4j2.properties" \
  -Dreparo.fixtures="$root/java/core/src/test/resources/fixtures" \
  -Dreparo.cache="$root/java/spark/target/reparo-cache" \
  dev.reparo.spark.SparkOverheadBenchmark "$1" "${2:-onnxruntime}" "${3:-3}" 'local[1]' 'local[2]'
