using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmbeddedNets.Format;

namespace EmbeddedNets.Inference;

public sealed partial class CompactModel
{
    /// <summary>Batches of at least this many samples run on all cores in <see cref="PredictBatchParallel(ReadOnlySpan{float}, Span{int})"/>.</summary>
    public const int ParallelBatchThreshold = 64;

    private const int Tile = DenseRunner.TileWidth;

    [ThreadStatic]
    private static float[]? t_tiles;

    private BatchPlan? _batchPlan;

    /// <summary>
    /// Predicts <c>predictions.Length</c> samples stored one after another in <paramref name="inputs"/>,
    /// on the calling thread. The model's trailing dense layers (and the ReLUs, flatten and softmax
    /// among them) run on tiles of 16 samples, so each kept weight is read once per tile and applied
    /// to 16 samples with one vector multiply and add; the layers before them (convolutions,
    /// pooling) run sample by sample. The predictions are those of <see cref="Predict(ReadOnlySpan{float})"/>
    /// for every sample (the scores agree up to the sign of a zero sum). Allocates nothing after the
    /// thread's first call.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> does not hold <c>predictions.Length × InputLength</c> values.</exception>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<int> predictions)
    {
        CheckBatch(inputs.Length, predictions.Length);
        RunBatch(inputs, default, predictions);
    }

    /// <summary>
    /// <see cref="PredictBatch(ReadOnlySpan{float}, Span{int})"/> on raw bytes (e.g. pixels), each
    /// sample preprocessed as <see cref="Predict(ReadOnlySpan{byte})"/> does.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="raw"/> does not hold <c>predictions.Length × InputLength</c> bytes.</exception>
    public void PredictBatch(ReadOnlySpan<byte> raw, Span<int> predictions)
    {
        CheckBatch(raw.Length, predictions.Length);
        RunBatch(default, raw, predictions);
    }

    /// <summary>
    /// <see cref="PredictBatch(ReadOnlySpan{float}, Span{int})"/> on all cores: batches of at least
    /// <see cref="ParallelBatchThreshold"/> samples are cut into whole tiles, up to four chunks per
    /// core, run in parallel; smaller batches, or a single core, run on the calling thread. The
    /// predictions are the same either way.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> does not hold <c>predictions.Length × InputLength</c> values.</exception>
    public void PredictBatchParallel(ReadOnlySpan<float> inputs, Span<int> predictions)
    {
        CheckBatch(inputs.Length, predictions.Length);
        int chunks = Chunks(predictions.Length);
        if (chunks < 2)
        {
            RunBatch(inputs, default, predictions);
        }
        else
        {
            RunChunks(inputs, default, predictions, chunks);
        }
    }

    /// <summary><see cref="PredictBatchParallel(ReadOnlySpan{float}, Span{int})"/> on raw bytes, preprocessed as <see cref="Predict(ReadOnlySpan{byte})"/> does.</summary>
    /// <exception cref="ArgumentException"><paramref name="raw"/> does not hold <c>predictions.Length × InputLength</c> bytes.</exception>
    public void PredictBatchParallel(ReadOnlySpan<byte> raw, Span<int> predictions)
    {
        CheckBatch(raw.Length, predictions.Length);
        int chunks = Chunks(predictions.Length);
        if (chunks < 2)
        {
            RunBatch(default, raw, predictions);
        }
        else
        {
            RunChunks(default, raw, predictions, chunks);
        }
    }

    /// <summary>The parallel part, in a method of its own: its closure is allocated only when it runs.</summary>
    private unsafe void RunChunks(ReadOnlySpan<float> inputs, ReadOnlySpan<byte> raw, Span<int> predictions, int chunks)
    {
        fixed (float* input = inputs)
        fixed (byte* rawInput = raw)
        fixed (int* prediction = predictions)
        {
            // The spans are pinned until Parallel.For returns; the chunks see them through addresses.
            nint inputAddress = (nint)input, rawAddress = (nint)rawInput, predictionAddress = (nint)prediction;
            int count = predictions.Length, length = InputLength;
            Parallel.For(0, chunks, chunk =>
            {
                (int start, int end) = ChunkRange(count, chunks, chunk);
                var part = new Span<int>((int*)predictionAddress + start, end - start);
                if (inputAddress != 0)
                {
                    RunBatch(new ReadOnlySpan<float>((float*)inputAddress + ((long)start * length), (end - start) * length), default, part);
                }
                else
                {
                    RunBatch(default, new ReadOnlySpan<byte>((byte*)rawAddress + ((long)start * length), (end - start) * length), part);
                }
            });
        }
    }

    private static int Chunks(int count) =>
        count < ParallelBatchThreshold || Environment.ProcessorCount < 2 ? 1 : Math.Min(Environment.ProcessorCount * 4, count / Tile);

    /// <summary>Chunk boundaries on whole tiles (the last chunk takes the remainder).</summary>
    private static (int Start, int End) ChunkRange(int count, int chunks, int chunk)
    {
        int tiles = (count + Tile - 1) / Tile;
        int start = (int)((long)tiles * chunk / chunks) * Tile;
        int end = chunk == chunks - 1 ? count : (int)((long)tiles * (chunk + 1) / chunks) * Tile;
        return (start, end);
    }

    private void CheckBatch(int inputValues, int count)
    {
        if (count < 0 || (long)count * InputLength != inputValues)
        {
            throw new ArgumentException($"The model '{Model.Info.Name}' takes {InputLength} input values per sample: {count} predictions need {(long)count * InputLength} values, but the inputs hold {inputValues}.", "inputs");
        }
    }

    /// <summary>Runs the batch from <paramref name="inputs"/> or, when that is empty, from <paramref name="raw"/>.</summary>
    [SkipLocalsInit]
    private void RunBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<byte> raw, Span<int> predictions)
    {
        BatchPlan plan = _batchPlan ??= BatchPlan.Create(this);
        bool fromRaw = inputs.IsEmpty && !raw.IsEmpty;
        if (plan.DenseLayers == 0)
        {
            // Nothing to share across samples: one sample at a time.
            for (int n = 0; n < predictions.Length; n++)
            {
                predictions[n] = fromRaw ? Predict(raw.Slice(n * InputLength, InputLength)) : Predict(inputs.Slice(n * InputLength, InputLength));
            }

            return;
        }

        float[] workspace = Workspace();
        float[] tiles = TileWorkspace(plan);
        Span<float> current = tiles.AsSpan(0, plan.TileLength);
        Span<float> other = tiles.AsSpan(plan.TileLength, plan.TileLength);
        Span<int> nonzero = MemoryMarshal.Cast<float, int>(tiles.AsSpan(2 * plan.TileLength, plan.SplitLength + SparseKernels.NonzeroSlack));
        Span<float> preprocessed = workspace.AsSpan(_inputOffset, InputLength);
        Span<float> scores = stackalloc float[OutputLength];
        for (int first = 0; first < predictions.Length; first += Tile)
        {
            int samples = Math.Min(Tile, predictions.Length - first);

            // The per-sample layers, then each sample's nonzero values into its column of the tile.
            Span<float> tile = current.Slice(0, plan.SplitLength * Tile);
            tile.Clear();
            for (int t = 0; t < samples; t++)
            {
                int n = first + t;
                ReadOnlySpan<float> input;
                if (fromRaw)
                {
                    Preprocess(raw.Slice(n * InputLength, InputLength), preprocessed);
                    input = preprocessed;
                }
                else
                {
                    input = inputs.Slice(n * InputLength, InputLength);
                }

                ReadOnlySpan<float> features = input;
                if (plan.Split > 0)
                {
                    Execute(input, workspace, plan.Split);
                    features = workspace.AsSpan(_plan.BufferOffsets[_plan.Steps[plan.Split - 1].OutputBuffer], plan.SplitLength);
                }

                int count = SparseKernels.ListNonzero(features, nonzero);
                for (int k = 0; k < count; k++)
                {
                    int i = nonzero[k];
                    tile[(i * Tile) + t] = features[i];
                }
            }

            // The tiled layers: dense ones through their runners, elementwise ones in place.
            int length = plan.SplitLength;
            for (int s = plan.Split; s < _layers.Length; s++)
            {
                int outLength = _outputLengths[s];
                switch (Model.Layers[s].Kind)
                {
                    case LayerKind.Dense:
                        ((DenseOp.Step)_layers[s]).Runner.RunTile(current.Slice(0, length * Tile), other.Slice(0, outLength * Tile));
                        Span<float> swap = current;
                        current = other;
                        other = swap;
                        break;
                    case LayerKind.ReLU or LayerKind.Clip or LayerKind.Sigmoid or LayerKind.Tanh:
                        Span<float> values = current.Slice(0, outLength * Tile);
                        _layers[s].Run(values, default, values);
                        break;
                    default:
                        break; // flatten, reshape: nothing; softmax (last): per sample below
                }

                length = outLength;
            }

            for (int t = 0; t < samples; t++)
            {
                for (int o = 0; o < scores.Length; o++)
                {
                    scores[o] = current[(o * Tile) + t];
                }

                if (plan.EndsInSoftmax)
                {
                    SparseKernels.Softmax(scores);
                }

                predictions[first + t] = SparseKernels.ArgMax(scores);
            }
        }
    }

    private static float[] TileWorkspace(BatchPlan plan)
    {
        // Two ping-pong tiles and the nonzero list of a sample's features.
        int needed = (2 * plan.TileLength) + plan.SplitLength + SparseKernels.NonzeroSlack;
        float[]? tiles = t_tiles;
        if (tiles is null || tiles.Length < needed)
        {
            tiles = new float[needed];
            t_tiles = tiles;
        }

        return tiles;
    }

    /// <summary>Where the model's layers divide into per-sample ones and tiled ones.</summary>
    private sealed class BatchPlan
    {
        private BatchPlan(int split, int splitLength, int tileLength, int denseLayers, bool endsInSoftmax)
        {
            Split = split;
            SplitLength = splitLength;
            TileLength = tileLength;
            DenseLayers = denseLayers;
            EndsInSoftmax = endsInSoftmax;
        }

        /// <summary>Layers <c>0 .. Split − 1</c> run per sample; the rest on tiles.</summary>
        public int Split { get; }

        /// <summary>Values per sample entering the tiled layers.</summary>
        public int SplitLength { get; }

        /// <summary>Floats of one tile buffer: the widest tiled activation × 16.</summary>
        public int TileLength { get; }

        /// <summary>Dense layers among the tiled ones (0: the batch runs sample by sample).</summary>
        public int DenseLayers { get; }

        /// <summary>Whether the last layer is softmax (applied per sample when the tile is read out).</summary>
        public bool EndsInSoftmax { get; }

        /// <summary>
        /// The tiled layers are the longest chain at the end of the model (each reading only the
        /// layer before it) made of dense, elementwise (ReLU, clip, sigmoid, tanh), flatten and
        /// reshape layers, optionally closed by one softmax.
        /// </summary>
        public static BatchPlan Create(CompactModel model)
        {
            IReadOnlyList<DczLayer> layers = model.Model.Layers;
            IReadOnlyList<LayerShape> shapes = model.Shapes.Layers;
            int end = layers.Count;
            bool softmax = end > 0 && layers[end - 1].Kind == LayerKind.Softmax && ReadsOnlyPrevious(shapes, end - 1);
            int split = softmax ? end - 1 : end;
            while (split > 0 && ReadsOnlyPrevious(shapes, split - 1) && layers[split - 1].Kind is LayerKind.Dense or LayerKind.ReLU or LayerKind.Clip
                       or LayerKind.Sigmoid or LayerKind.Tanh or LayerKind.Flatten or LayerKind.Reshape)
            {
                split--;
            }

            // Layers before the split must not be read after it, except the one right before.
            for (int s = split; s < end; s++)
            {
                foreach (int source in shapes[s].InputLayers)
                {
                    if (source < split - 1)
                    {
                        return new BatchPlan(end, 0, 0, 0, false);
                    }
                }
            }

            int dense = 0;
            int splitLength = split == 0 ? model.InputLength : model._outputLengths[split - 1];
            int widest = splitLength;
            for (int s = split; s < end; s++)
            {
                dense += layers[s].Kind == LayerKind.Dense ? 1 : 0;
                widest = Math.Max(widest, model._outputLengths[s]);
            }

            return new BatchPlan(split, splitLength, checked(widest * Tile), dense, softmax);
        }

        private static bool ReadsOnlyPrevious(IReadOnlyList<LayerShape> shapes, int layer) =>
            shapes[layer].InputLayers.Count == 1 && shapes[layer].InputLayers[0] == layer - 1;
    }
}
