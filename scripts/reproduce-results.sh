#!/usr/bin/env bash
# Reproduces docs/results.md from real runs: the three built-in models' compressions (both LeNets
# and ds-cnn) with fixed seeds, and the
# centroid-initialisation comparison (paper Fig. 8) on LeNet-300-100, which re-quantizes the
# pruned checkpoint of the main run with each init and bit width (so it costs no retraining).
#
# usage: scripts/reproduce-results.sh [MNIST_DIR] [OUT_DIR]
#   MNIST_DIR  folder with the four MNIST IDX files (default ../shared/data/mnist;
#              `dcz download-mnist DIR` fetches them)
#   OUT_DIR    where the .dcz files, reports and checkpoints go (default artifacts/results)
# environment: SEED (default 1), THREADS (default 1), BITS (default "2 3 4 5 6 7 8"),
#              MODELS (default "lenet-300-100 lenet-5 ds-cnn") to compress only some,
#              REUSE=1 to keep a model's earlier run in OUT_DIR (its .dcz.report/summary.json)
#              instead of compressing it again.
# Needs the .NET SDK and python3 (to assemble the Markdown from the runs' summary.json files).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$(cd "${1:-$root/../shared/data/mnist}" && pwd)"
out="${2:-$root/artifacts/results}"
seed="${SEED:-1}"
threads="${THREADS:-1}"
bits="${BITS:-2 3 4 5 6 7 8}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

echo "building the dcz tool..."
dotnet build "$root/src/Compressor" -c Release -o "$out/tool" >/dev/null
dcz=("$out/tool/dcz")

run() { # name model [extra args...]
  local name="$1" model="$2"; shift 2
  local start end
  start=$(date +%s)
  "${dcz[@]}" compress --model "$model" --data "$data" --out "$out/$name.dcz" \
    --seed "$seed" --threads "$threads" --work "$out/$name.work" "$@"
  end=$(date +%s)
  echo $((end - start)) > "$out/$name.seconds"
}

# A fresh run each time (unless REUSE=1 and one exists), so the wall time is the whole pipeline's.
for model in ${MODELS:-lenet-300-100 lenet-5 ds-cnn}; do
  if [[ "${REUSE:-0}" == 1 && -f "$out/$model.dcz.report/summary.json" ]]; then
    echo "reusing $out/$model.dcz"
  else
    rm -rf "$out/$model.work"
    run "$model" "$model" --no-resume
  fi
done

# Fig. 8 analogue: every init × bit width, from the same pruned LeNet-300-100 (pruned.ckpt in
# lenet-300-100.work is reused automatically because baseline and prune settings are unchanged).
mkdir -p "$out/init"
for init in Linear Density Random; do
  for b in $bits; do
    if [[ "${REUSE:-0}" == 1 && -f "$out/init/$init-$b.dcz.report/summary.json" ]]; then
      continue
    fi
    cfg="$out/init/$init-$b.json"
    printf '{ "quantize": { "init": "%s", "bits": { "ip1": %s, "ip2": %s, "ip3": %s } } }\n' "$init" "$b" "$b" "$b" > "$cfg"
    "${dcz[@]}" compress --model lenet-300-100 --data "$data" --out "$out/init/$init-$b.dcz" \
      --seed "$seed" --threads "$threads" --work "$out/lenet-300-100.work" --config "$cfg" >/dev/null
    echo "init $init, $b bits: done"
  done
done

# The ratio-versus-test-error frontier of the files beside the published results
# (docs/published-mnist.json), into docs/frontier/. FRONTIER_FILES adds more files, as paths
# relative to OUT_DIR (e.g. search candidates: "lenet-5.work/search/c*/model.dcz").
frontier_files=()
for model in lenet-300-100 lenet-5 ds-cnn; do
  [[ -f "$out/$model.dcz" ]] && frontier_files+=("$model.dcz")
done
(cd "$out" && "${dcz[@]}" frontier "${frontier_files[@]}" ${FRONTIER_FILES:-} \
  --published "$root/docs/published-mnist.json" --out "$root/docs/frontier" >/dev/null)

RESULTS_DATA="$data" python3 - "$out" "$root/docs/results.md" "$seed" "$threads" "$bits" <<'PY'
import json, os, sys, platform
out, target, seed, threads, bits = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split()

def summary(path):
    with open(os.path.join(path, "summary.json"), encoding="utf-8") as f:
        return json.load(f)

# Han, Mao & Dally, "Deep Compression", ICLR 2016: Table 2 (LeNet-300-100) and Table 3 (LeNet-5).
# Columns: weights, kept %, weight bits (P+Q), Huffman bits/weight (P+Q+H), index bits (P+Q),
# Huffman bits/index (P+Q+H), compress rate (P+Q+H) as % of dense.
paper = {
    "lenet-300-100": {
        "rows": [("ip1", "235K", "8%", 6, 4.4, 5, 3.7, "2.32%"),
                 ("ip2", "30K", "9%", 6, 4.4, 5, 4.3, "3.04%"),
                 ("ip3", "1K", "26%", 6, 4.3, 5, 3.2, "12.70%")],
        "total": ("266K", "8%", 6, 5.1, 5, 3.7, "2.49% (40×)"),
        "error": "1.64 % → 1.58 %", "ratio": 40, "bar_error": 1.64,
    },
    "lenet-5": {
        "rows": [("conv1", "0.5K", "66%", 8, 7.2, 5, 1.5, "67.45%"),
                 ("conv2", "25K", "12%", 8, 7.2, 5, 3.9, "5.28%"),
                 ("ip1", "400K", "8%", 5, 4.5, 5, 4.5, "2.45%"),
                 ("ip2", "5K", "19%", 5, 5.2, 5, 3.7, "6.13%")],
        "total": ("431K", "8%", 5.3, 4.1, 5, 4.4, "2.55% (39×)"),
        "error": "0.80 % → 0.74 %", "ratio": 39, "bar_error": 0.80,
    },
}

def portable(command):
    # Commands as a reader runs them: the data folder and output folder by the names this
    # script's arguments give, not this machine's absolute paths.
    return command.replace(os.environ.get("RESULTS_DATA", "\0"), "DATA").replace(out, "OUT")

lines = ["# Results: Deep Compression of LeNet-300-100, LeNet-5 and a depthwise-separable CNN on MNIST", "",
         "Produced by `scripts/reproduce-results.sh` from real runs on this machine "
         f"({platform.machine()}, {os.cpu_count()} cores, shared with other jobs while it ran). "
         "Every accuracy below the baselines is the one recorded in the `.dcz` file: the written "
         "file read back and run by the Runtime's C# inference on the 10,000 MNIST test images. "
         "The baseline is the dense network's TorchSharp accuracy.", ""]

for model in ("lenet-300-100", "lenet-5", "ds-cnn"):
    path = os.path.join(out, model + ".dcz.report")
    if not os.path.exists(path):
        continue
    s = summary(path)
    t = s["table"]
    p = paper.get(model)
    seconds = open(os.path.join(out, model + ".seconds")).read().strip() if os.path.exists(os.path.join(out, model + ".seconds")) else "?"
    err = 100 - s["testAccuracy"]
    lines += [f"## {model}", "",
              f"- **{s['compressionRatio']:.1f}× smaller** ({s['denseBytes']:,} → {s['fileBytes']:,} bytes) at **{err:.2f} % test error** "
              f"({s['table']['testCorrect']}/{s['testCount']} correct); dense baseline error {100 - s['baselineAccuracy']:.2f} %.",
              (f"- Validation split: {s['validationCount']:,} training images held out (seeded); validation error of the file {100 - s['validationAccuracy']:.2f} %, "
               f"of the dense baseline {100 - s['baselineValidationAccuracy']:.2f} %; every per-stage figure of the run is a validation figure."
               if s.get("validationCount", 0) > 0 else
               "- No validation split (`validation.fraction` 0): training saw all training images, and the run's per-stage figures are test-set figures.")]
    if p:
        ok = s["compressionRatio"] >= p["ratio"] and err <= p["bar_error"]
        lines.append(f"- Paper: {p['ratio']}× with error {p['error']} (baseline → compressed). Bar: ≥ {p['ratio']}× at ≤ {p['bar_error']:.2f} % error — "
                     + ("**met**." if ok else "**not met**."))
    else:
        lines.append("- Not in the paper: a small depthwise-separable CNN with batch norm and a residual block (the shape of keyword-spotting "
                     "and visual-wake-word models; `docs/architecture-files.md` lists it). Its batch norms were trained with the network and "
                     "folded into the convolutions before pruning, so the pruned, shared weights are the folded ones.")
    lines += [f"- Wall time of the whole pipeline (training, pruning, quantization, encoding, evaluation): {seconds} s, seed {s['seed']}, {s['threads']} thread(s).",
              f"- Command: `{portable(s['command'])}`"]
    c = s.get("config")
    if c:
        shifted = [stage for stage in ("baseline", "prune", "quantize") if c[stage].get("shiftPixels", 0) > 0]
        augmentation = (f"training images shifted by up to {max(c[st]['shiftPixels'] for st in shifted)} pixels in the {', '.join(shifted)} stages (the paper does not augment)"
                        if shifted else "no augmentation (as the paper)")
        lines.append(f"- Schedule: {c['baseline']['epochs']} dense epochs, {c['prune']['iterations']} prune rounds × {c['prune']['epochs']} epochs, "
                     f"{c['quantize']['epochs']} centroid fine-tuning epochs; {augmentation}.")
    lines += ["",
              "| Layer | #Weights | Kept % | Weight bits | Huffman bits/weight | Index bits | Huffman bits/index | Bytes | % of dense |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for l in t["layers"]:
        lines.append(f"| {l['name']} | {l['weights']:,} | {l['keptPercent']:.1f} % | {l['weightBits']} | {l['huffmanBitsPerWeight']:.2f} | "
                     f"{l['indexBits']} | {l['huffmanBitsPerIndex']:.2f} | {l['bytes']:,} | {100 * l['bytes'] / l['denseBytes']:.2f} % |")
    kept = 100 * t["keptWeights"] / t["weights"]
    lines.append(f"| **total** (whole file) | {t['weights']:,} | {kept:.1f} % | | | | | {t['payloadBytes']:,} | {100 * t['payloadBytes'] / t['denseBytes']:.2f} % ({t['compressionRatio']:.1f}×) |")
    if not p:
        lines += ["", "Bytes per layer include its codebook, both Huffman code tables and the float32 biases (batch norms folded in); "
                  "the total is the whole file. Small layers carry a codebook of 2^bits floats each, which is why they compress less.", ""]
        continue
    lines += ["", f"Paper (Han et al. 2016, Table {2 if model == 'lenet-300-100' else 3}), same columns:", "",
              "| Layer | #Weights | Kept % | Weight bits | Huffman bits/weight | Index bits | Huffman bits/index | % of dense |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in p["rows"]:
        lines.append("| " + " | ".join(str(x) for x in r) + " |")
    tt = p["total"]
    lines.append("| **total** | " + " | ".join(str(x) for x in tt) + " |")
    lines += ["", "Differences in accounting: our bytes per layer include its codebook, both Huffman code tables and the "
              "float32 biases, and the total is the whole file (header and metadata included); Huffman bits are averaged "
              "per kept weight with filler entries charged to them. The index width is chosen per layer as the one that "
              "makes the file smallest.", ""]

# Fig. 8 analogue.
rows = {}
for init in ("Linear", "Density", "Random"):
    for b in bits:
        path = os.path.join(out, "init", f"{init}-{b}.dcz.report")
        if os.path.exists(path):
            s = summary(path)
            rows[(init, b)] = (s.get("quantizedAccuracyBeforeFineTuning"), s["testAccuracy"], s["fileBytes"], s.get("quantizedAccuracySplit", "test"))
if rows:
    lines += ["## Centroid initialisation (paper Fig. 8 analogue), LeNet-300-100", "",
              "The pruned LeNet-300-100 of the run above, quantized with every layer at the same bit width, with each "
              f"initialisation: {next(iter(rows.values()))[3]} accuracy right after k-means (TorchSharp) and test accuracy after centroid "
              "fine-tuning (recorded in the file, Runtime inference).", "",
              "| Bits | Linear: k-means → fine-tuned | Density: k-means → fine-tuned | Random: k-means → fine-tuned | File bytes (linear) |",
              "|---:|---:|---:|---:|---:|"]
    for b in bits:
        cells = []
        for init in ("Linear", "Density", "Random"):
            r = rows.get((init, b))
            cells.append("–" if r is None else f"{r[0]:.2f} % → {r[1]:.2f} %")
        lin = rows.get(("Linear", b))
        lines.append(f"| {b} | " + " | ".join(cells) + f" | {lin[2]:,} |" if lin else f"| {b} | " + " | ".join(cells) + " | – |")
    lines.append("")

# The frontier section: the tables dcz frontier wrote, with the plots beside them.
frontier = os.path.join(os.path.dirname(target), "frontier", "frontier.md")
if os.path.exists(frontier):
    with open(frontier, encoding="utf-8") as f:
        body = f.read().replace("](frontier-", "](frontier/frontier-")
    lines += ["## Compression frontier: ratio against test error, beside published results", "",
              "Every file of this page (and the search candidates of docs/search.md when FRONTIER_FILES names them) "
              "against the published LeNet results (`docs/published-mnist.json`), as `dcz frontier` draws them: bold rows "
              "are on the Pareto frontier (no other point has at least their ratio at no more error). The published ratios "
              "are each paper's own accounting (the Accounting column); ours are whole files against the dense float32 "
              "network as trained. Our runs train on images shifted by up to 2 pixels (augmentation); the papers' do not "
              "say they augment, and Deep Compression does not.", "", body]

lines += ["## Reproduce", "", "```", f"SEED={seed} THREADS={threads} scripts/reproduce-results.sh ../shared/data/mnist", "```", "",
          "Results are bit-reproducible for a given seed, thread count and machine type: the same command writes the same "
          ".dcz bytes (TorchSharp CPU training with a fixed thread count, seeded weight init, SplitMix64 shuffles). "
          "Another thread count changes the floating-point summation order and so the trained weights.", ""]
os.makedirs(os.path.dirname(target), exist_ok=True)
tmp = target + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write("\n".join(lines))
os.replace(tmp, target)
print("wrote", target)
PY
