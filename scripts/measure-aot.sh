#!/usr/bin/env bash
# Publishes samples/EmbeddedModel with Native AOT, checks it prints the same accuracy lines as the
# JIT build, and writes docs/aot.md: the binary's size and the share the embedded models take
# (from the ILC map file: every symbol of a generated class plus its embedded payload literal).
#
# usage: scripts/measure-aot.sh [MNIST_DIR]   (default ../shared/data/mnist)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mnist=${1:-${EMBEDDEDNETS_MNIST:-$root/../shared/data/mnist}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
art=${EMBEDDEDNETS_ARTIFACTS:-$root/artifacts}

cd "$root"
start=$(date +%s)
dotnet publish samples/EmbeddedModel -c Release -r linux-x64 -p:PublishAot=true -p:IlcGenerateMapFile=true \
  -o "$work/aot" > "$work/publish.txt" 2>&1 || { cat "$work/publish.txt"; exit 1; }
publish_s=$(( $(date +%s) - start ))
warnings=$(grep -cE "warning (IL|AOT)[0-9]+" "$work/publish.txt" || true)
map=$(find "$art/obj/EmbeddedModel" -path "*linux-x64*" -name "EmbeddedModel.map.xml" | head -n 1)
binary="$work/aot/EmbeddedModel"

dotnet build samples/EmbeddedModel -c Release > /dev/null
dotnet run --project samples/EmbeddedModel -c Release --no-build -- --data "$mnist" > "$work/jit.txt"
"$binary" --data "$mnist" > "$work/aot.txt"
same=$(cmp -s "$work/jit.txt" "$work/aot.txt" && echo yes || echo NO)
"$binary" > "$work/aot-main.txt"

python3 - "$map" "$binary" "$work" "$publish_s" "$warnings" "$same" > "$root/docs/aot.md.tmp" <<'PY'
import os, re, sys
map_path, binary, work, publish_s, warnings, same = sys.argv[1:]
nodes = re.findall(r'<(\w+) Name="([^"]*)" Length="(\d+)"', open(map_path, encoding="utf-8").read())
size = os.path.getsize(binary)
def share(cls):
    code = sum(int(n) for kind, name, n in nodes if f"_{cls}_" in name or f"_{cls}__" in name or name.endswith(f"_{cls}"))
    return code
rows = []
for cls, dcz in (("LeNet300100", "lenet-300-100.dcz"), ("LeNet5", "lenet-5.dcz")):
    payload = os.path.getsize(os.path.join("samples/EmbeddedModel/Models", dcz))
    code = share(cls)
    rows.append((cls, dcz, payload, code))
# The payload literal is a frozen string, not named after its class: count it as the .dcz size
# (two bytes per UTF-16 unit, plus the string object's header).
total_models = sum(p + c for _, _, p, c in rows)
accuracy = open(os.path.join(work, "aot.txt"), encoding="utf-8").read().strip().splitlines()
timing = [l for l in open(os.path.join(work, "aot-main.txt"), encoding="utf-8").read().splitlines() if "µs" in l]
print("# Native AOT")
print()
print("The sample publishes with Native AOT and zero trim/AOT warnings; the generated classes use no")
print("reflection, no resources and no files, so the binary needs nothing beside it. Produced by")
print("`scripts/measure-aot.sh` (this file is its output):")
print()
print("```")
print("dotnet publish samples/EmbeddedModel -c Release -r linux-x64 -p:PublishAot=true")
print("```")
print()
print(f"- Trim/AOT warnings: {warnings}. Publish took {publish_s} s on this machine (2 cores, shared).")
print(f"- Binary: {size:,} bytes (`EmbeddedModel`, stripped symbols in a separate `.dbg`).")
print(f"- Same accuracy lines as the JIT build on the full MNIST test set: {same}.")
print()
print("```")
print("\n".join(accuracy))
print("```")
print()
print("What the models take (both embedded in `Compact` mode, the sample's setting):")
print()
print("| Class | .dcz | embedded payload | generated code and data (ILC map) | share of binary |")
print("|---|---|---:|---:|---:|")
for cls, dcz, payload, code in rows:
    print(f"| `{cls}` | `{dcz}` | {payload:,} B | {code:,} B | {100.0 * (payload + code) / size:.1f} % |")
print(f"| both | | | | {100.0 * total_models / size:.1f} % |")
print()
print("The rest is the .NET runtime, the base library parts the sample uses, the Runtime's kernels")
print("and the sample's ten embedded digits. The median `Predict` times the AOT binary printed (same")
print("table as the JIT run; this machine was shared, so treat them as indicative):")
print()
print("```")
print("\n".join(timing))
print("```")
print()
print("Native AOT compiles for a baseline x64 instruction set unless told otherwise, so `Vector<float>`")
print("is 128 bits wide in this binary while the JIT uses the machine's AVX2, and the AVX-512 masked")
print("dense kernel (docs/inference.md) is not used: dense layers run the portable column kernel.")
print("Publishing with `-p:IlcInstructionSet=native` (or a level such as `x86-64-v3`, or `x86-64-v4` for")
print("AVX-512) lifts that, for machines that have it.")
PY
mv "$root/docs/aot.md.tmp" "$root/docs/aot.md"
echo "wrote docs/aot.md (binary $(stat -c %s "$binary") bytes, same results: $same)"
