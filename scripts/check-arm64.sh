#!/usr/bin/env bash
# ARM64, verified by emulation: publishes samples/EmbeddedModel for linux-arm64 twice — as a
# self-contained JIT app and with Native AOT (cross-linked with clang and lld against Debian's
# arm64 cross libraries) — runs each under qemu-aarch64-static on the full MNIST test set, and
# checks each prints exactly the same accuracy lines as the x64 build. When the AOT build cannot
# be made here, the check says why (the first error line) and runs the JIT build alone. With
# --doc it writes docs/arm64.md (this script's result, with timings).
#
# usage: scripts/check-arm64.sh [MNIST_DIR] [--doc]   (default $EMBEDDEDNETS_MNIST or ../shared/data/mnist)
# needs: apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross, and for AOT
#        clang lld libc6-dev-arm64-cross libgcc-12-dev-arm64-cross (installed here when missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mnist=${EMBEDDEDNETS_MNIST:-$root/../shared/data/mnist}
doc=0
while [ $# -gt 0 ]; do
  case "$1" in
    --doc) doc=1 ;;
    *) mnist="$1" ;;
  esac
  shift
done
[ -d "$mnist" ] || { echo "MNIST not found at $mnist (pass the folder or set EMBEDDEDNETS_MNIST)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
art=${EMBEDDEDNETS_ARTIFACTS:-$root/artifacts}
work="$art/check-arm64"
rm -rf "$work"
mkdir -p "$work"
sysroot=/usr/aarch64-linux-gnu
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.1f}')"; }

missing=()
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || missing+=(libc6-arm64-cross)
[ -e "$sysroot/lib/libstdc++.so.6" ] || missing+=(libstdc++6-arm64-cross)
command -v clang >/dev/null || missing+=(clang)
command -v ld.lld >/dev/null || missing+=(lld)
[ -e "$sysroot/lib/crt1.o" ] || missing+=(libc6-dev-arm64-cross)
ls /usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a >/dev/null 2>&1 || missing+=(libgcc-12-dev-arm64-cross)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" || echo "could not install ${missing[*]}; going on with what is there"
fi
cd "$root"
started=$(now)

echo "== x64 reference (JIT)"
dotnet build samples/EmbeddedModel -c Release > "$work/build-x64.txt" 2>&1 || { cat "$work/build-x64.txt"; exit 1; }
t0=$(now)
dotnet "$art/bin/EmbeddedModel/release/EmbeddedModel.dll" --data "$mnist" > "$work/x64.txt"
x64_s=$(elapsed "$t0" "$(now)")
cat "$work/x64.txt"

run_arm() { local exe="$1"; shift; DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 qemu-aarch64-static -L "$sysroot" "$exe" "$@"; }
same=yes
summary=()
check() { # <label> <executable>: the sample's default run (for its kernel path), then --data against x64
  local label="$1" exe="$2" t0 main_s data_s path result
  file "$exe" | sed 's#.*: #binary: #'
  t0=$(now)
  run_arm "$exe" > "$work/$label-main.txt"
  main_s=$(elapsed "$t0" "$(now)")
  path=$(sed -n 's/^Kernel path: \(.*\)\.$/\1/p' "$work/$label-main.txt")
  t0=$(now)
  run_arm "$exe" --data "$mnist" > "$work/$label.txt"
  data_s=$(elapsed "$t0" "$(now)")
  cat "$work/$label.txt"
  result=NO
  cmp -s "$work/x64.txt" "$work/$label.txt" && result=yes
  [ "$result" = yes ] || same=NO
  echo "$label: kernel path $path; same accuracy lines as x64: $result (--data $data_s s, default run $main_s s)"
  summary+=("$label|$path|$result|$data_s|$main_s")
}

echo "== self-contained JIT build for linux-arm64"
t0=$(now)
dotnet publish samples/EmbeddedModel -c Release -r linux-arm64 --self-contained -p:PublishAot=false -o "$work/jit" > "$work/publish-jit.txt" 2>&1 \
  || { cat "$work/publish-jit.txt"; exit 1; }
jit_publish_s=$(elapsed "$t0" "$(now)")
check jit "$work/jit/EmbeddedModel"

echo "== Native AOT for linux-arm64 (clang + lld, Debian's arm64 cross libraries)"
t0=$(now)
if dotnet publish samples/EmbeddedModel -c Release -r linux-arm64 -p:PublishAot=true -p:CppCompilerAndLinker=clang -p:LinkerFlavor=lld \
     -o "$work/aot" > "$work/publish-aot.txt" 2>&1; then
  aot_publish_s=$(elapsed "$t0" "$(now)")
  aot="built in $aot_publish_s s ($(stat -c %s "$work/aot/EmbeddedModel" | python3 -c 'print(f"{int(input()):,}")') bytes)"
  check aot "$work/aot/EmbeddedModel"
else
  # The first error line says why (without clang/lld and the arm64 dev libraries: the linker).
  aot="not built here: $(grep -m1 -E " error |error :" "$work/publish-aot.txt" | sed -E 's#/[^ ]*/(samples|src)/#\1/#g; s/^ +//' || echo "failed without an error line")"
  echo "$aot"
fi
total_s=$(elapsed "$started" "$(now)")
echo "== same accuracy lines as x64 everywhere: $same (whole check $total_s s)"

if [ "$doc" = 1 ]; then
  {
    echo "# ARM64"
    echo
    echo "The sample, published for linux-arm64 and run under emulation (\`qemu-aarch64-static\`, Debian's"
    echo "arm64 C and C++ runtime libraries as the sysroot), prints exactly the accuracy lines of the x64"
    echo "build on the full MNIST test set, as a JIT app and as a Native AOT binary: the kernels' ARM64"
    echo "path (128-bit AdvSimd) computes the same bits. Produced by \`scripts/check-arm64.sh --doc\`"
    echo "(this file is its output)."
    echo
    echo "- Self-contained JIT build: published in $jit_publish_s s."
    echo "- Native AOT: $aot. Cross-linking needs \`clang\`, \`lld\`, \`libc6-dev-arm64-cross\` and"
    echo "  \`libgcc-12-dev-arm64-cross\`, and \`-p:CppCompilerAndLinker=clang -p:LinkerFlavor=lld\`; with gcc"
    echo "  as the linker (the default) it stops at \`gcc : error : unrecognized command-line option"
    echo "  '--target=aarch64-linux-gnu'\`, and with \`-p:SysRoot=/usr/aarch64-linux-gnu\` lld cannot find"
    echo "  \`libc.so.6\` inside the sysroot (Debian's \`libc.so\` script names it by absolute path)."
    echo "- Same accuracy lines as x64: **$same**."
    echo
    echo '```'
    cat "$work/x64.txt"
    echo '```'
    echo
    echo "Times on this machine ($(nproc) vCPUs, shared with other work), wall clock:"
    echo
    echo "| Build | Kernel path | Same as x64 | \`--data\` (10,000 images, both models) | default run (ten digits, 2 × 2,000 timed calls) |"
    echo "|---|---|---|---:|---:|"
    echo "| x64 JIT (reference) | | | $x64_s s | |"
    for row in "${summary[@]}"; do
      IFS='|' read -r label path result data_s main_s <<< "$row"
      name="arm64 self-contained JIT"; [ "$label" = aot ] && name="arm64 Native AOT"
      echo "| $name under qemu | $path | $result | $data_s s | $main_s s |"
    done
    echo
    echo "The whole check, builds and publishes included, took $total_s s. Emulated timings say nothing"
    echo "about ARM64 hardware (qemu translates each instruction); only the equality of the results is"
    echo "the point. It fits CI's 90-minute budget with room to spare: \`.ci/run\` runs it after the"
    echo "x64 checks."
  } > "$root/docs/arm64.md"
  echo "wrote docs/arm64.md"
fi
[ "$same" = yes ]
