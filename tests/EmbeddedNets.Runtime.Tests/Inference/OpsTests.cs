using EmbeddedNets.Format;
using EmbeddedNets.Inference;
using EmbeddedNets.Tests.Shared;

namespace EmbeddedNets.Runtime.Tests.Inference;

/// <summary>
/// Every op in random graphs (<see cref="DczTestModels.RandomGraph"/>): the compact run against the
/// double-precision reference, the write/read round trip, and the buffer plan simulated.
/// </summary>
public sealed class OpsTests
{
    private const int GraphCount = 400;

    private static readonly Lazy<DczModel[]> s_graphs = new(() =>
        Enumerable.Range(0, GraphCount).Select(seed => DczTestModels.RandomGraph(new Random(seed), seed)).ToArray());

    public static TheoryData<LayerKind> Kinds() => new(Enum.GetValues<LayerKind>());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RandomGraphs_WithTheOp_RunLikeTheReferenceRoundTripAndPlanSoundly(LayerKind kind)
    {
        int checkedModels = 0;
        for (int seed = 0; seed < GraphCount; seed++)
        {
            DczModel model = s_graphs.Value[seed];
            if (!model.Layers.Any(l => l.Kind == kind))
            {
                continue;
            }

            CheckModel(model, $"{kind}, graph {seed}", new Random(seed));
            checkedModels++;
        }

        // Every op must appear in enough graphs to be tested in several configurations.
        Assert.True(checkedModels >= 15, $"only {checkedModels} of {GraphCount} random graphs use {kind}: extend DczTestModels.RandomGraph");
    }

    [Fact]
    public void RandomGraphs_CoverTheCasesEachOpMustHandle()
    {
        var seen = new Dictionary<string, int>();
        foreach (DczModel model in s_graphs.Value)
        {
            ModelShapes shapes = ModelShapes.Compute(model);
            ExecutionPlan plan = ExecutionPlan.Create(model, shapes);
            for (int i = 0; i < model.Layers.Count; i++)
            {
                DczLayer layer = model.Layers[i];
                LayerShape shape = shapes.Layers[i];
                switch (layer)
                {
                    case Conv2dLayer conv:
                        Count(conv.Groups > 1 && conv.Groups == conv.InChannels, "depthwise conv");
                        Count(conv.Groups > 1 && conv.Groups < conv.InChannels, "grouped conv");
                        Count(conv.PadTop != conv.PadBottom || conv.PadLeft != conv.PadRight, "conv padded differently on opposite sides");
                        Count(conv.KernelHeight != conv.KernelWidth, "non-square kernel");
                        Count(conv.StrideHeight > 1 || conv.StrideWidth > 1, "strided conv");
                        Count(!conv.Weights.IsShared, "conv with unshared weights");
                        break;
                    case DenseLayer dense:
                        Count(!dense.Weights.IsShared, "dense with unshared weights");
                        Count(shape.InputShape.Count == 3, "dense on an image (implicit flatten)");
                        break;
                    case MaxPool2dLayer max:
                        Count(max.Window.IsPadded, "padded max pool");
                        Count(max.Window.PadTop != max.Window.PadBottom || max.Window.PadLeft != max.Window.PadRight, "max pool padded differently on opposite sides");
                        break;
                    case AvgPool2dLayer avg:
                        Count(avg.Window.IsPadded && avg.CountIncludePad, "padded avg pool counting the padding");
                        Count(avg.Window.IsPadded && !avg.CountIncludePad, "padded avg pool not counting the padding");
                        break;
                    case AddLayer:
                    {
                        int a = shape.InputLayers[0], b = shape.InputLayers[1];
                        Count(a >= 0 && b >= 0 && !ReadsFrom(shapes, a, b) && !ReadsFrom(shapes, b, a), "add of two branches");
                        Count(ReadsFrom(shapes, a, b) || ReadsFrom(shapes, b, a), "residual add (a tensor and a branch of it)");
                        Count(a == DczLayer.ModelInput || b == DczLayer.ModelInput, "add reading the model input");
                        break;
                    }

                    case ScaleShiftLayer:
                        Count(true, FormattableString.Invariant($"scale-shift on rank {shape.InputShape.Count}"));
                        break;
                    case ClipLayer clip:
                        Count(clip.Min == clip.Max, "clip to one value");
                        break;
                    case FlattenLayer or ReshapeLayer:
                        Count(!plan.Steps[i].InPlace, FormattableString.Invariant($"{layer.Kind} not in place"));
                        Count(plan.Steps[i].InPlace, FormattableString.Invariant($"{layer.Kind} in place"));
                        break;
                }

                Count(layer.InputLayers.Count == 0, "implicit input");
                Count(layer.CanRunInPlace && plan.Steps[i].InPlace, "in-place step");
            }

            Count(!model.Info.Preprocessing.IsUniform, "per-channel preprocessing");
        }

        string[] required =
        [
            "depthwise conv", "grouped conv", "conv padded differently on opposite sides", "non-square kernel", "strided conv",
            "conv with unshared weights", "dense with unshared weights", "dense on an image (implicit flatten)",
            "padded max pool", "max pool padded differently on opposite sides",
            "padded avg pool counting the padding", "padded avg pool not counting the padding",
            "add of two branches", "residual add (a tensor and a branch of it)", "add reading the model input",
            "scale-shift on rank 1", "scale-shift on rank 2", "scale-shift on rank 3", "clip to one value",
            "Flatten not in place", "Flatten in place", "Reshape not in place", "Reshape in place",
            "implicit input", "in-place step", "per-channel preprocessing",
        ];
        string[] missing = required.Where(r => seen.GetValueOrDefault(r) < 5).ToArray();
        Assert.True(missing.Length == 0, "the random graphs rarely or never have: " + string.Join("; ", missing));

        void Count(bool condition, string what)
        {
            if (condition)
            {
                seen[what] = seen.GetValueOrDefault(what) + 1;
            }
        }
    }

    [Fact]
    public void Plan_Chains_ReuseTwoBuffers()
    {
        // A chain needs two buffers whatever its length: each layer reads one and writes the other
        // (or its own, in place).
        for (int seed = 0; seed < 200; seed++)
        {
            var rng = new Random(seed);
            DczModel model = seed % 2 == 0 ? DczTestModels.RandomMlp(rng, seed) : DczTestModels.RandomCnn(rng, seed);
            ModelShapes shapes = ModelShapes.Compute(model);

            ExecutionPlan plan = ExecutionPlan.Create(model, shapes);

            Assert.Null(PlanChecker.FirstProblem(model, shapes, plan));
            Assert.InRange(plan.BufferLengths.Count, 1, 2);
        }
    }

    [Fact]
    public void Plan_SpecExample_ReusesBuffersAndRunsReluInPlace()
    {
        DczModel model = DczTestModels.SpecExample();
        ModelShapes shapes = ModelShapes.Compute(model);

        ExecutionPlan plan = ExecutionPlan.Create(model, shapes);

        // fc → buffer 0; relu over it in place (fc is read by nobody else); skip → buffer 1;
        // sum over relu's buffer in place.
        Assert.Equal(new[] { 0, 0, 1, 0 }, plan.Steps.Select(s => s.OutputBuffer));
        Assert.Equal(new[] { false, true, false, true }, plan.Steps.Select(s => s.InPlace));
        Assert.Null(PlanChecker.FirstProblem(model, shapes, plan));
    }

    [Fact]
    public void PlanChecker_PlanOverwritingALiveValue_IsReported()
    {
        // The checker must be able to fail: skip written over relu's buffer before sum reads relu.
        DczModel model = DczTestModels.SpecExample();
        ModelShapes shapes = ModelShapes.Compute(model);
        ExecutionPlan broken = Plan(
            new[] { 0, 2 },
            new[] { 2, 2 },
            new PlanStep(0, new[] { ExecutionPlan.ModelInputBuffer }, 0),
            new PlanStep(1, new[] { 0 }, 0),
            new PlanStep(2, new[] { ExecutionPlan.ModelInputBuffer }, 0),
            new PlanStep(3, new[] { 0, 1 }, 0));

        Assert.Equal(
            "layer 3 input 0 reads buffer 0 for the output of layer 1, but the buffer holds the output of layer 2",
            PlanChecker.FirstProblem(model, shapes, broken));

        ExecutionPlan secondInputOverwritten = Plan(
            new[] { 0, 2 },
            new[] { 2, 2 },
            new PlanStep(0, new[] { ExecutionPlan.ModelInputBuffer }, 0),
            new PlanStep(1, new[] { 0 }, 0),
            new PlanStep(2, new[] { ExecutionPlan.ModelInputBuffer }, 1),
            new PlanStep(3, new[] { 0, 1 }, 1));
        Assert.Equal("layer 3 (Add) writes over its input 1 (buffer 1)", PlanChecker.FirstProblem(model, shapes, secondInputOverwritten));

        static ExecutionPlan Plan(int[] offsets, int[] lengths, params PlanStep[] steps) =>
            (ExecutionPlan)typeof(ExecutionPlan)
                .GetConstructors(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
                .Single()
                .Invoke(new object[] { offsets, lengths, steps, lengths.Sum() });
    }

    [Fact]
    public void Ops_EveryLayerKind_HasAFormatEntryAndARuntimeOp()
    {
        // The op-enumeration test: every LayerKind value has each part of the system. Parts
        // owned by other projects enumerate the same values in their own tests (see
        // docs/adding-an-op.md): the generator's emission in EmbeddedNets.Generator.Tests and the
        // compressor's module and export in EmbeddedNets.Compressor.Tests.
        foreach (LayerKind kind in Enum.GetValues<LayerKind>())
        {
            // Format: a registry row whose reader builds this op, with the name messages use.
            OpEntry? entry = OpRegistry.Find((byte)kind);
            Assert.True(entry is not null, $"{kind}: no row in OpRegistry");
            Assert.Equal(kind, entry!.Kind);
            Assert.Equal(kind.ToString(), entry.Name);
            Assert.InRange(entry.SinceVersion, DczConstants.MinReadVersion, DczConstants.Version);

            // Runtime: a RuntimeOp (compiled step and double reference) registered for the kind.
            RuntimeOp? op = RuntimeOps.Find(kind);
            Assert.True(op is not null, $"{kind}: no RuntimeOp in RuntimeOps");
            Assert.Equal(kind, op!.Kind);
        }

        // No registry row or Runtime op for a value LayerKind does not name (no catch-all).
        var kinds = Enum.GetValues<LayerKind>().Select(k => (int)k).ToHashSet();
        for (int tag = 0; tag < 256; tag++)
        {
            if (!kinds.Contains(tag))
            {
                Assert.Null(OpRegistry.Find((byte)tag));
                Assert.Null(RuntimeOps.Find((LayerKind)tag));
            }
        }

        Assert.Equal(kinds.Count, OpRegistry.All.Count());
    }

    /// <summary>The checks every model in these tests passes.</summary>
    internal static void CheckModel(DczModel model, string what, Random rng)
    {
        // Round trip: the same model back, and the same bytes again.
        byte[] bytes = DczFile.Write(model);
        DczModel read = DczFile.Read(bytes);
        string? difference = DczTestModels.FirstDifference(model, read);
        Assert.True(difference is null, $"{what}: {difference}");
        Assert.Equal(bytes, DczFile.Write(read));

        // The plan: no layer reads a buffer that was overwritten before its last use.
        CompactModel compact = CompactModel.Load(bytes);
        string? problem = PlanChecker.FirstProblem(read, compact.Shapes, compact.Plan);
        Assert.True(problem is null, $"{what}: {problem}");

        // The compact run against the double-precision reference.
        var output = new float[compact.OutputLength];
        for (int sample = 0; sample < 2; sample++)
        {
            float[] input = CompactModelTests.RandomInput(rng, compact.InputLength);
            compact.Run(input, output);
            double[] reference = ReferenceInference.Run(model, input);
            double scale = Math.Max(reference.Max(Math.Abs), 1e-3);
            for (int o = 0; o < output.Length; o++)
            {
                double error = Math.Abs(output[o] - reference[o]) / scale;
                Assert.True(error <= 1e-4, $"{what}, sample {sample}, output {o}: {output[o]} vs reference {reference[o]} (relative error {error:E2})");
            }
        }
    }

    /// <summary>True when layer <paramref name="layer"/> reads, directly or through other layers, the output of <paramref name="source"/>.</summary>
    private static bool ReadsFrom(ModelShapes shapes, int layer, int source)
    {
        if (layer < 0)
        {
            return false;
        }

        foreach (int input in shapes.Layers[layer].InputLayers)
        {
            if (input == source || ReadsFrom(shapes, input, source))
            {
                return true;
            }
        }

        return false;
    }
}
