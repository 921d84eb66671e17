#!/usr/bin/env bash
# Long structure-aware fuzzing of the .dcz reader and the Runtime behind it (docs/security.md):
# the test DczFuzzTests.Read_StructureAwareMutations_ThrowOnlyFormatExceptionsOrLoadAndRun with
# more cases and another corpus seed than the suite's 100,000 (seed 1). Every variant must be
# rejected with one line by DczFile.Read and CompactModel.Load, or load and run (Predict on zeros)
# within the format's memory bounds and round-trip. Prints the outcome counts and the slowest file.
#
# usage: scripts/fuzz.sh CASES [SEED]
#   CASES  number of mutated files (e.g. 10000000)
#   SEED   corpus seed (default: 2; the suite uses 1)
# Environment: EMBEDDEDNETS_ARTIFACTS (default artifacts/; build outputs).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || { [ $# -ge 2 ] && ! [[ "$2" =~ ^[0-9]+$ ]]; }; then
  echo "usage: $0 CASES [SEED]   (CASES and SEED are non-negative integers)" >&2
  exit 2
fi

export EMBEDDEDNETS_FUZZ_CASES="$1"
export EMBEDDEDNETS_FUZZ_SEED="${2:-2}"
dotnet build tests/EmbeddedNets.Runtime.Tests -c Release --nologo -v quiet
dotnet test tests/EmbeddedNets.Runtime.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~DczFuzzTests.Read_StructureAwareMutations" \
  --logger "console;verbosity=detailed" |
  sed -n '/seed files, corpus seed/,/^\s*$/p; /Test Run\|Total tests\|Error Message\|\[FAIL\]/p'
