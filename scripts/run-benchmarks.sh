#!/usr/bin/env bash
# Builds and runs every benchmark of issue 6 and writes docs/benchmarks.md:
#   1. speed: BenchmarkDotNet, generated classes (Compact, Unrolled) against dense C#
#      (TensorPrimitives), ONNX Runtime and TorchSharp, LeNet-300-100 and LeNet-5, batch 1 and 64;
#   2. cold start: first Predict in a fresh process, JIT and Native AOT (median of N runs);
#   3. bytes each model adds to the assembly, and build time the generator adds.
#
# usage: scripts/run-benchmarks.sh [--stand-ins] [--runs N] [--out FILE] [--speed-only]
#   --stand-ins  measure benchmarks/StandInModels/Models (random LeNet-shaped models) instead of
#                the compressor's samples/EmbeddedModel/Models; the report says so at the top.
#   --runs N     cold-start runs per case (default 21).
#   --out FILE   report path (default docs/benchmarks.md).
#   --speed-only only the BenchmarkDotNet part (cold start and build sections left out of the report).
# Environment: EMBEDDEDNETS_MNIST (default ../shared/data/mnist), EMBEDDEDNETS_ARTIFACTS
# (default artifacts/; build outputs), BENCH_WORK (default $artifacts/benchmark-run; raw results).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

stand_ins=0
speed_only=0
runs=21
out="$root/docs/benchmarks.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --stand-ins) stand_ins=1 ;;
    --runs) runs="$2"; shift ;;
    --out) out="$2"; shift ;;
    --speed-only) speed_only=1 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
case "$out" in /*) ;; *) out="$root/$out" ;; esac

export EMBEDDEDNETS_MNIST="${EMBEDDEDNETS_MNIST:-$root/../shared/data/mnist}"
art="${EMBEDDEDNETS_ARTIFACTS:-$root/artifacts}"
export EMBEDDEDNETS_ARTIFACTS="$art"
work="${BENCH_WORK:-$art/benchmark-run}"
rm -rf "$work"
mkdir -p "$work"

if [ "$stand_ins" = 1 ]; then
  models="$root/benchmarks/StandInModels/Models"
else
  models="$root/samples/EmbeddedModel/Models"
  if [ ! -f "$models/lenet-300-100.dcz" ] || [ ! -f "$models/lenet-5.dcz" ]; then
    echo "The compressor's models are not in $models; pass --stand-ins to measure the stand-ins." >&2
    exit 1
  fi
fi
[ -d "$EMBEDDEDNETS_MNIST" ] || { echo "MNIST not found at $EMBEDDEDNETS_MNIST (set EMBEDDEDNETS_MNIST)" >&2; exit 1; }
props=(-c Release "-p:BenchmarkModelsDir=$models/")

step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }
now_ns() { date +%s%N; }
started=$(now_ns)

step "build the benchmarks"
dotnet build benchmarks/EmbeddedNets.Benchmarks "${props[@]}"
bench="$art/bin/EmbeddedNets.Benchmarks/release_linux-x64/EmbeddedNets.Benchmarks"

step "check every engine against the reference"
"$bench" check 2>&1 | grep -v NNPACK | tee "$work/check.txt"
"$bench" info > "$work/info.tsv"

step "speed (BenchmarkDotNet)"
"$bench" --filter '*LeNetBenchmarks*' --artifacts "$work/bdn" 2>&1 | grep -v NNPACK > "$work/bdn.log" || { tail -50 "$work/bdn.log"; exit 1; }
json=$(ls "$work"/bdn/results/*-report-full.json)
grep -q "Generated, Compact" "$json" || { echo "BenchmarkDotNet produced no results; see $work/bdn.log" >&2; exit 1; }

step "speed with the JIT narrowed (DOTNET_EnableAVX512=0, then DOTNET_EnableAVX2=0): Compact engines and ONNX Runtime"
for pair in avx2:DOTNET_EnableAVX512 sse:DOTNET_EnableAVX2; do
  label=${pair%%:*}
  env "${pair#*:}=0" "$bench" --filter '*LeNetBenchmarks.GeneratedCompact*' '*LeNetBenchmarks.CompactBatch*' '*LeNetBenchmarks.OnnxRuntime*' \
    --artifacts "$work/bdn-$label" 2>&1 | grep -v NNPACK > "$work/bdn-$label.log" || { tail -50 "$work/bdn-$label.log"; exit 1; }
done

if [ "$speed_only" = 0 ]; then
# Cold start: CLASS → "<Main-to-result ms> <launch-to-exit ms>" per run.
classes=(LeNet300100Compact LeNet300100Unrolled LeNet5Compact LeNet5Unrolled)
cold_runs() { # <label> <executable...>
  local label="$1"; shift
  for c in none "${classes[@]}"; do
    "$@" "$c" > /dev/null # warm the file cache; not counted
    for _ in $(seq "$runs"); do
      local t0 t1 line
      t0=$(now_ns)
      line=$("$@" "$c")
      t1=$(now_ns)
      echo "$label $line $(( (t1 - t0) / 1000 ))" >> "$work/coldstart.txt"
    done
  done
}

step "cold start, JIT"
dotnet build benchmarks/ColdStart "${props[@]}"
cold_runs jit "$art/bin/ColdStart/release/ColdStart"

step "cold start, Native AOT"
aot_t0=$(now_ns)
dotnet publish benchmarks/ColdStart "${props[@]}" -r linux-x64 -p:PublishAot=true
aot_t1=$(now_ns)
echo "aot-publish-ms $(( (aot_t1 - aot_t0) / 1000000 ))" > "$work/aot.txt"
aot_exe="$art/publish/ColdStart/release_linux-x64/ColdStart"
echo "aot-binary-bytes $(stat -c %s "$aot_exe")" >> "$work/aot.txt"
cold_runs aot "$aot_exe"

step "assembly size and build time, with and without each model"
# Each variant is a clean build of ColdStart alone (its references are built): the time and the
# DLL size the generated code adds. Then a no-change rebuild and a one-file edit, with all models
# and with none: what the generator's build logic adds to incremental builds.
cs_obj="$art/obj/ColdStart"; cs_bin="$art/bin/ColdStart"
build_ms() { # <BenchmarkClasses> <log name> → milliseconds of `dotnet build --no-dependencies`
  local t0 t1
  t0=$(now_ns)
  dotnet build benchmarks/ColdStart "${props[@]}" --no-dependencies "-p:BenchmarkClasses=$1" > "$work/build-$2.log" 2>&1 || { cat "$work/build-$2.log" >&2; return 1; }
  t1=$(now_ns)
  echo $(( (t1 - t0) / 1000000 ))
}
all_classes=$(IFS='+'; echo "${classes[*]}") # '+': ';' and ',' would split the -p: argument
: > "$work/builds.txt"
for variant in none "${classes[@]}" all; do
  spec="$variant"; [ "$variant" = all ] && spec="$all_classes"
  rm -rf "$cs_obj" "$cs_bin"
  clean=$(build_ms "$spec" "$variant-clean")
  size=$(stat -c %s "$cs_bin/release/ColdStart.dll")
  line="$variant clean-ms $clean dll-bytes $size"
  if [ "$variant" = none ] || [ "$variant" = all ]; then
    noop=$(build_ms "$spec" "$variant-noop")
    touch benchmarks/ColdStart/Program.cs
    edit=$(build_ms "$spec" "$variant-edit")
    line="$line noop-ms $noop edit-ms $edit"
  fi
  echo "$line" | tee -a "$work/builds.txt"
done
# Leave the default build in place for whoever runs ColdStart next.
rm -rf "$cs_obj" "$cs_bin"
fi

step "write $(realpath --relative-to="$root" "$out")"
finished=$(now_ns)
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(nproc)
python3 benchmarks/report.py "$work" "$out" "$stand_ins" "$runs" "$cpu" "$cores" "$(dotnet --version)" \
  "$(( (finished - started) / 1000000000 ))" "$json" "$models"
