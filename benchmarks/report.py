#!/usr/bin/env python3
"""Writes docs/benchmarks.md from the raw results of scripts/run-benchmarks.sh (its work folder).

usage: report.py WORK OUT STAND_INS RUNS CPU CORES SDK SECONDS BDN_JSON MODELS_DIR
Every sentence of the reading is computed from the numbers of the run, so it cannot disagree
with the tables.
"""
import json, os, re, statistics, sys
work, out, stand_ins, runs, cpu, cores, sdk, seconds, json_path, models = sys.argv[1:]
stand_ins = stand_ins == "1"

def read(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return f.read()

info = {}
for line in read("info.tsv").splitlines():
    name, size, nonzeros, dense, producer = line.split("\t")
    info[name] = dict(size=int(size), nonzeros=int(nonzeros), dense=int(dense), producer=producer)
# The compressor's folder may hold copies of the stand-ins while its real models are being made.
stand_ins = stand_ins or any("stand-in" in i["producer"] for i in info.values())

with open(json_path, encoding="utf-8") as f:
    bdn = json.load(f)
host = bdn.get("HostEnvironmentInfo", {})
runtime = host.get("RuntimeVersion", "?")
def load_rows(report):
    rows = {}
    for b in report["Benchmarks"]:
        params = dict(p.split("=", 1) for p in b["Parameters"].split("&"))
        method = b["Method"]
        desc = b.get("MethodTitle") or method
        stats = b["Statistics"]
        alloc = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
        rows[(params["Model"], int(params["Batch"]), method)] = dict(desc=desc.strip("'"), median=stats["Median"], alloc=alloc)
    return rows
rows = load_rows(bdn)

# The same benchmarks with the JIT narrowed by the runtime's switches (scripts/run-benchmarks.sh).
narrowed = {}
for label in ("avx2", "sse"):
    folder = os.path.join(work, "bdn-" + label, "results")
    if os.path.isdir(folder):
        found = [f for f in os.listdir(folder) if f.endswith("-report-full.json")]
        if found:
            with open(os.path.join(folder, found[0]), encoding="utf-8") as f:
                narrowed[label] = load_rows(json.load(f))

methods = ["GeneratedCompact", "GeneratedUnrolled", "CompactBatch", "DenseTensorPrimitives", "OnnxRuntime", "TorchSharp"]
def table(model, batch):
    base = rows[(model, batch, "GeneratedCompact")]["median"]
    nz = info[model]["nonzeros"]
    lines = ["| Engine | Median | Ratio to Compact | µs per sample | ns per nonzero weight | Allocated per call |",
             "|---|---:|---:|---:|---:|---:|"]
    for m in methods:
        r = rows[(model, batch, m)]
        med = r["median"]
        alloc = "0 B" if not r["alloc"] else f"{r['alloc']:,} B"
        lines.append(f"| {r['desc']} | {med/1000:,.2f} µs | {med/base:.2f} | {med/batch/1000:,.2f} | {med/batch/nz:.3f} | {alloc} |")
    return "\n".join(lines)

def ratio(model, batch, other, ours="GeneratedCompact"):
    return rows[(model, batch, other)]["median"] / rows[(model, batch, ours)]["median"]

speed_only = not os.path.exists(os.path.join(work, "coldstart.txt"))
cold = {}
for line in ("" if speed_only else read("coldstart.txt")).splitlines():
    mode, cls, predicted, inproc_ms, wall_us = line.split()
    cold.setdefault((mode, cls), []).append((float(inproc_ms), int(wall_us) / 1000.0))
def cold_cell(mode, cls):
    v = cold[(mode, cls)]
    return f"{statistics.median(x[0] for x in v):,.2f} ms", f"{statistics.median(x[1] for x in v):,.1f} ms"

builds = {}
for line in ("" if speed_only else read("builds.txt")).splitlines():
    parts = line.split()
    builds[parts[0]] = {parts[i]: int(parts[i + 1]) for i in range(1, len(parts), 2)}
aot = {} if speed_only else dict(l.split() for l in read("aot.txt").splitlines())
check = [l for l in read("check.txt").splitlines() if l.strip()]

model_of = {"LeNet300100Compact": "lenet-300-100", "LeNet300100Unrolled": "lenet-300-100",
            "LeNet5Compact": "lenet-5", "LeNet5Unrolled": "lenet-5"}
classes = list(model_of)

md = []
w = md.append
w("# Benchmarks")
w("")
if stand_ins:
    w("> **Stand-in models.** These numbers were measured on `benchmarks/StandInModels/Models`: random")
    w("> weights with the LeNet architectures and the paper's per-layer sparsity, not the compressor's")
    w("> trained models. Speed is representative; nothing here says anything about accuracy.")
    w("")
w("Generated EmbeddedNets code against the ways one would otherwise run the same network in .NET,")
w("all on the same decoded weights and the same 64 real MNIST test images (the sparse kernels skip")
w("zero inputs, so real digits matter). Produced by one command:")
w("")
w("```")
w("scripts/run-benchmarks.sh" + (" --stand-ins" if stand_ins else "") + (" --speed-only" if speed_only else ""))
w("```")
w("")
w(f"- Machine: {cpu}, {cores} cores (shared with other work while this ran: quote ratios, not absolutes);")
w(f"  .NET SDK {sdk}, runtime {runtime}; {host.get('OsVersion', '')}.")
w(f"- Models: " + "; ".join(f"`{n}.dcz` {i['size']:,} bytes, {i['nonzeros']:,} of {i['dense']:,} weights kept ({100*i['nonzeros']/i['dense']:.1f} %), producer `{i['producer']}`" for n, i in info.items()) + ".")
load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
w(f"- Whole run: {int(seconds)//60} min {int(seconds)%60} s; load average {load:.1f} on {cores} cores when the report was written.")
w("  All numbers below come from this one run; on a loaded machine the medians are inflated and the ratios move")
w("  by tens of percent between runs.")
w("")
w("## Speed")
w("")
w("BenchmarkDotNet 0.15.4, in-process, 1 launch × 15 iterations of ≥ 250 ms after 4 warm-ups; the")
w("median is reported. Everything runs on one thread: the C# paths are single-threaded, ONNX Runtime")
w("has `IntraOpNumThreads = 1`, TorchSharp `torch.set_num_threads(1)`. Batch 1 runs one image per call")
w("(cycling through the 64); batch 64 runs all 64 per call — a loop of single-sample calls for the")
w("generated classes and dense C#, `CompactModel.PredictBatch` on one thread for *Compact, PredictBatch*")
w("(the generated `PredictBatch` calls it too but goes parallel at 64 samples), one `[64, …]` tensor")
w("for ONNX Runtime and TorchSharp. *ns per nonzero weight* is the time per sample")
w("divided by the model's kept weights; the dense engines do all the pruned multiplications too.")
w("")
w("Engines:")
w("1. **Generated, Compact** — the class EmbeddedNets.Generator emits in `Compact` mode (decodes the")
w("   embedded payload once, then runs the Runtime's sparse kernels). The baseline of every ratio.")
w("2. **Generated, Unrolled** — the same file in `Unrolled` mode: every kept weight a constant in")
w("   straight-line code.")
w("3. **Compact, PredictBatch (1 thread)** — the Runtime's `CompactModel` of the same file: at batch 64")
w("   `PredictBatch` (the dense layers on tiles of 16 images, each kept weight read once per tile;")
w("   classes out, checked equal to `Predict`'s), at batch 1 `Predict`.")
w("4. **Dense C# (TensorPrimitives)** — the decoded dense weights; one `TensorPrimitives.Dot` per")
w("   output of a dense layer; convolutions as im2col + `Dot` per output (long patches) or")
w("   `MultiplyAdd` per tap (many positions); nothing allocated per call.")
w("5. **ONNX Runtime (dense)** — `Microsoft.ML.OnnxRuntime` 1.32.0, CPU provider, all graph")
w("   optimisations, on an ONNX file the benchmarks write from the same weights (Gemm, Conv, MaxPool,")
w("   Relu, Flatten); inputs and outputs bound once as `OrtValue`s.")
w("6. **TorchSharp (dense)** — TorchSharp 0.107 / libtorch 2.10 CPU, `torch.nn.functional` under")
w("   `inference_mode`.")
w("")
w("Before anything is timed, every engine's outputs on all 64 images are checked against the")
w("Runtime's double-precision reference (relative error ≤ 1e-4):")
w("")
for l in check:
    w(f"    {l}")
w("")
for model in info:
    for batch in (1, 64):
        w(f"### {model}, batch {batch}")
        w("")
        w(table(model, batch))
        w("")

if narrowed:
    w("### By instruction set (JIT)")
    w("")
    w("The Compact engines and ONNX Runtime again, with the .NET JIT narrowed by the runtime's switches:")
    w("`DOTNET_EnableAVX512=0` (what an AVX2 machine runs: 256-bit kernels) and `DOTNET_EnableAVX2=0`")
    w("(SSE4.2: 128-bit kernels, as Native AOT's default level). The switches do not reach ONNX Runtime's")
    w("native code, which keeps using the CPU's AVX-512: its rows show the run-to-run spread. Native AOT:")
    w("docs/aot.md.")
    w("")
    w("| Model | Batch | Engine | AVX-512 (default) | AVX2 | SSE4.2 |")
    w("|---|---:|---|---:|---:|---:|")
    for model in info:
        for batch in (1, 64):
            for meth in ("GeneratedCompact", "CompactBatch", "OnnxRuntime"):
                if batch == 1 and meth == "CompactBatch":
                    continue
                cells = [rows[(model, batch, meth)]] + [narrowed[k].get((model, batch, meth)) for k in ("avx2", "sse") if k in narrowed]
                text = " | ".join(f"{c['median']/batch/1000:,.2f} µs" if c else "–" for c in cells)
                w(f"| {model} | {batch} | {rows[(model, batch, meth)]['desc']} | {text} |")
    w("")
    w("Per sample, median of each run.")
    w("")

if speed_only:
    w("Cold start, assembly size and build time: not measured in this run (`--speed-only`).")
    w("")
else:
    w("## Cold start")
    w("")
    w(f"The first `Predict` of a fresh process on one raw MNIST digit (preprocessing, and for Compact the")
    w(f"decode of the embedded payload, included): `benchmarks/ColdStart`, run {runs} times per case, median.")
    w("*Main → result* is timed inside the process from the first line of `Main`; *launch → exit* is the")
    w("wall-clock time of the whole process as the script sees it. `none` does no inference (the process")
    w("alone). Native AOT: `dotnet publish -r linux-x64 -p:PublishAot=true` "
      f"({int(aot['aot-publish-ms'])/1000:.0f} s to publish, binary {int(aot['aot-binary-bytes']):,} bytes with all four classes).")
    w("")
    w("| Class | JIT: Main → result | JIT: launch → exit | AOT: Main → result | AOT: launch → exit |")
    w("|---|---:|---:|---:|---:|")
    for cls in ["none"] + classes:
        j = cold_cell("jit", cls); a = cold_cell("aot", cls)
        w(f"| {cls} | {j[0]} | {j[1]} | {a[0]} | {a[1]} |")
    w("")

    w("## Assembly size and build time")
    w("")
    w("`benchmarks/ColdStart` built clean (`dotnet build -c Release --no-dependencies`, its references")
    w("already built) with no model, with each generated class alone, and with all four; the size is")
    w("that of `ColdStart.dll`. The incremental rows rebuild with nothing changed (*no-op*) and after")
    w("touching `Program.cs` (*one edit*).")
    w("")
    none = builds["none"]
    w("| Variant | .dcz bytes | DLL bytes | Bytes added | Added / .dcz | Clean build | Added to clean build |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    w(f"| none | – | {none['dll-bytes']:,} | – | – | {none['clean-ms']/1000:.1f} s | – |")
    for cls in classes:
        b = builds[cls]; size = info[model_of[cls]]["size"]
        added = b["dll-bytes"] - none["dll-bytes"]
        w(f"| {cls} | {size:,} | {b['dll-bytes']:,} | {added:,} | {added/size:.2f}× | {b['clean-ms']/1000:.1f} s | {(b['clean-ms']-none['clean-ms'])/1000:+.1f} s |")
    b = builds["all"]
    total = sum(info[model_of[c]]["size"] for c in classes)
    w(f"| all four | {total:,} | {b['dll-bytes']:,} | {b['dll-bytes']-none['dll-bytes']:,} | {(b['dll-bytes']-none['dll-bytes'])/total:.2f}× | {b['clean-ms']/1000:.1f} s | {(b['clean-ms']-none['clean-ms'])/1000:+.1f} s |")
    w("")
    w("| Incremental build | none | all four | Added |")
    w("|---|---:|---:|---:|")
    for key, label in (("noop-ms", "no-op"), ("edit-ms", "one edit")):
        w(f"| {label} | {none[key]/1000:.2f} s | {b[key]/1000:.2f} s | {(b[key]-none[key])/1000:+.2f} s |")
    w("")

# The reading: computed from this run's numbers, so it cannot disagree with the tables.
w("## Reading")
w("")
m = "lenet-300-100"
def times(x): return f"{x:.1f}×"
cd, co = ratio(m, 1, "DenseTensorPrimitives"), ratio(m, 1, "OnnxRuntime")
ud = ratio(m, 1, "DenseTensorPrimitives", "GeneratedUnrolled"); uo = ratio(m, 1, "OnnxRuntime", "GeneratedUnrolled")
best_d = max(cd, ud); best_o = max(co, uo)
def verdict(d, o): return "met" if d >= 4 and o >= 4 else "missed"
w(f"- **Target (issue 6): generated LeNet-300-100 at batch 1 ≥ 4× faster than dense C# and than ONNX Runtime — "
  f"Unrolled: {verdict(ud, uo)} ({times(ud)} and {times(uo)}); Compact: {verdict(cd, co)} ({times(cd)} and {times(co)}).**")
allocs = {(mm, bb, me): rows[(mm, bb, me)]["alloc"] for mm in info for bb in (1, 64) for me in ("GeneratedCompact", "GeneratedUnrolled")}
thread = [l for l in check if "bytes allocated by 1000 calls" in l]
per_thread_zero = bool(thread) and all(": 0 bytes allocated" in l for l in thread)
nonzero = ", ".join(f"{me} {mm} batch {bb}: {a} B" for (mm, bb, me), a in allocs.items() if a)
w(f"- **Allocations per call of the generated classes: " + ("zero on the calling thread" if per_thread_zero else "NOT zero on the calling thread") +
  "** (1000 calls after warm-up, `GC.GetAllocatedBytesForCurrentThread`, in the check above)." +
  (f" BenchmarkDotNet's process-wide figure shows {nonzero}: other threads' allocations during those long operations." if nonzero and per_thread_zero else "") +
  " ONNX Runtime and TorchSharp allocate managed memory on every call.")
m5 = "lenet-5"
w(f"- LeNet-5, batch 1: Compact is {times(ratio(m5, 1, 'DenseTensorPrimitives'))} the speed of dense C#, "
  f"{ratio(m5, 1, 'OnnxRuntime'):.2f}× that of ONNX Runtime (a ratio below 1 means ONNX Runtime is faster), "
  f"{times(ratio(m5, 1, 'TorchSharp'))} that of TorchSharp.")
b3 = ratio(m, 64, "OnnxRuntime", "CompactBatch"); b5 = ratio(m5, 64, "OnnxRuntime", "CompactBatch")
w(f"- **Target (issue 13): batch 64 on one thread at least as fast per sample as ONNX Runtime on both LeNets — "
  f"{'met' if b3 >= 1 and b5 >= 1 else 'missed'}: `PredictBatch` is {times(b3)} ONNX Runtime's speed on LeNet-300-100 "
  f"({rows[(m, 64, 'CompactBatch')]['median']/64/1000:.2f} against {rows[(m, 64, 'OnnxRuntime')]['median']/64/1000:.2f} µs per image) "
  f"and {times(b5)} on LeNet-5 ({rows[(m5, 64, 'CompactBatch')]['median']/64/1000:.2f} against {rows[(m5, 64, 'OnnxRuntime')]['median']/64/1000:.2f} µs).**")
r5 = ratio(m5, 1, "OnnxRuntime")
w(f"- **Target (issue 13): LeNet-5 at batch 1 ≥ 1.5× faster than ONNX Runtime — {'met' if r5 >= 1.5 else 'missed'} "
  f"({times(r5)}: {rows[(m5, 1, 'GeneratedCompact')]['median']/1000:.1f} against {rows[(m5, 1, 'OnnxRuntime')]['median']/1000:.1f} µs).**")
w(f"- Batch 64 without the batch kernel (a loop of `Predict`): ONNX Runtime's ratio moves from {co:.2f} to "
  f"{ratio(m, 64, 'OnnxRuntime'):.2f} on LeNet-300-100 and from {ratio(m5, 1, 'OnnxRuntime'):.2f} to {ratio(m5, 64, 'OnnxRuntime'):.2f} "
  "on LeNet-5: batching turns its dense layers into matrix–matrix products; `PredictBatch` gets the same weight reuse from tiles.")
w("")
w("")
w("### Where the time goes (from the kernels' structure; see docs/inference.md)")
w("")
w("- Dense layers run through a `DenseRunner`, which picks per input among three kernels by the number")
w("  of nonzero inputs: by input column (skips zero inputs; one scattered update per kept weight of a")
w("  nonzero input, the columns padded to groups of four so the inner loop has no remainder), masked")
w("  (outputs in registers, a fixed cost per nonzero input and 16-row block; for layers dense enough),")
w("  or row-gathered (eight output rows side by side in registers, eight inputs fetched per step with a")
w("  gather; the choice after a convolution, whose outputs are nearly all nonzero). The dense engines")
w("  stream every multiply-add, pruned or not, through AVX-512 with fused multiply-adds.")
w("- Batches: the dense layers run on tiles of 16 images, the row-gathered form in registers, one vector")
w("  multiply and add per kept weight for 16 images; what ONNX Runtime gets from matrix–matrix products.")
w("- Convolutions run the register-tiled kernel (`SparseKernels.TryConvValidTiled`): eight output")
w("  vectors stay in registers across all of a channel's taps and are stored once; 2×2 max-pooling")
w("  compares deinterleaved registers. The arithmetic contract (multiply, then add; no fused")
w("  multiply-add) costs the sparse kernels half of the vector unit's peak, which ONNX Runtime uses.")
w("  Unrolled convolutions still call `SparseKernels.ConvAccumulate` once per tap, which is why Auto picks")
w("  Compact for models with convolutions.")

tmp = out + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write("\n".join(md).rstrip() + "\n")
os.replace(tmp, out)
print(f"wrote {out}")