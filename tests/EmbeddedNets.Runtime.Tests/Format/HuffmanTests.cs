using EmbeddedNets.Format;

namespace EmbeddedNets.Runtime.Tests.Format;

public sealed class HuffmanTests
{
    private const int Limit = 15;

    [Fact]
    public void BuildLengths_FibonacciFrequencies_RespectsLengthLimit()
    {
        // Fibonacci counts are the worst case: unrestricted Huffman gives a code of length n − 1.
        foreach (int n in new[] { 17, 20, 30, 40, 60, 90 })
        {
            var freq = new long[n];
            freq[0] = 1;
            freq[1] = 1;
            for (int i = 2; i < n; i++)
            {
                freq[i] = freq[i - 1] + freq[i - 2];
            }

            byte[] lengths = CanonicalHuffman.BuildLengths(freq, Limit);

            Assert.Equal(Limit, lengths.Max());
            Assert.All(lengths, l => Assert.InRange(l, 1, Limit));
            Assert.Equal(1.0, Kraft(lengths));
            Assert.True(HuffmanCost(freq, out _) < Cost(freq, lengths), "the limit was binding, so the cost must be above unrestricted Huffman");
        }
    }

    [Fact]
    public void BuildLengths_ManySymbolsSkewed_RespectsLimitAndIsComplete()
    {
        // 4096 symbols (the largest gap alphabet), geometric frequencies spanning 2^40.
        var freq = new long[4096];
        for (int i = 0; i < freq.Length; i++)
        {
            freq[i] = 1L << (40 - (i % 41));
        }

        byte[] lengths = CanonicalHuffman.BuildLengths(freq, Limit);

        Assert.Equal(Limit, lengths.Max());
        Assert.All(lengths, l => Assert.InRange(l, 1, Limit));
        Assert.Equal(1.0, Kraft(lengths));
    }

    [Fact]
    public void BuildLengths_LimitNotBinding_MatchesUnrestrictedHuffmanCost()
    {
        var rng = new Random(11);
        int fitting = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(2, 300);
            var freq = new long[n];
            for (int i = 0; i < n; i++)
            {
                freq[i] = rng.Next(4) == 0 ? 0 : rng.Next(1, 1000);
            }

            freq[rng.Next(n)] = 5;
            freq[(rng.Next(n - 1) + 1) % n] += 3;

            byte[] lengths = CanonicalHuffman.BuildLengths(freq, Limit);

            // Package-merge is optimal under the limit; when unrestricted Huffman already fits,
            // the costs must be equal, otherwise the limited code can only cost more.
            long huffman = HuffmanCost(freq, out int depth);
            if (depth <= Limit)
            {
                Assert.Equal(huffman, Cost(freq, lengths));
                fitting++;
            }
            else
            {
                Assert.True(Cost(freq, lengths) > huffman);
            }

            Assert.Equal(1.0, Kraft(lengths));
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(freq[i] == 0, lengths[i] == 0);
            }
        }

        Assert.True(fitting > 100, $"only {fitting} trials where Huffman fits the limit");
    }

    [Theory]
    [InlineData("uniform 257", 257, 0.0)]
    [InlineData("uniform 4096", 4096, 0.0)]
    [InlineData("uniform 33", 33, 0.0)]
    [InlineData("geometric 0.5", 40, 0.5)]
    [InlineData("geometric 0.8", 257, 0.8)]
    [InlineData("geometric 0.95", 257, 0.95)]
    public void BuildLengths_KnownDistribution_AverageWithinOneBitOfEntropy(string name, int n, double ratio)
    {
        var freq = new long[n];
        for (int i = 0; i < n; i++)
        {
            freq[i] = ratio == 0 ? 1000 : Math.Max(1, (long)(1e12 * Math.Pow(ratio, i)));
        }

        byte[] lengths = CanonicalHuffman.BuildLengths(freq, Limit);

        double total = freq.Sum();
        double entropy = freq.Sum(f => -(f / total) * Math.Log2(f / total));
        double average = Cost(freq, lengths) / total;
        Assert.True(average >= entropy - 1e-9 && average < entropy + 1, $"{name}: average {average}, entropy {entropy}");
    }

    [Fact]
    public void BuildLengths_EmptyAndOneSymbol_GiveNoCodeAndOneBitCode()
    {
        Assert.All(CanonicalHuffman.BuildLengths(new long[10], Limit), l => Assert.Equal(0, l));
        Assert.Empty(CanonicalHuffman.BuildLengths(Array.Empty<long>(), Limit));

        byte[] one = CanonicalHuffman.BuildLengths(new long[] { 0, 0, 7, 0 }, Limit);

        Assert.Equal(new byte[] { 0, 0, 1, 0 }, one);
    }

    [Fact]
    public void BuildLengths_EqualFrequencies_AreDeterministicAndFavourLowSymbols()
    {
        var freq = new long[] { 5, 5, 5, 5, 5 };

        byte[] first = CanonicalHuffman.BuildLengths(freq, Limit);
        byte[] second = CanonicalHuffman.BuildLengths(freq, Limit);

        Assert.Equal(first, second);
        Assert.Equal(new byte[] { 3, 3, 2, 2, 2 }, first);
    }

    [Fact]
    public void AssignCodes_Lengths_AreCanonical()
    {
        // RFC 1951 §3.2.2 example: lengths (3, 3, 3, 3, 3, 2, 4, 4) → codes 010…111, 00, 1110, 1111.
        uint[] codes = CanonicalHuffman.AssignCodes(new byte[] { 3, 3, 3, 3, 3, 2, 4, 4 });

        Assert.Equal(new uint[] { 0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111 }, codes);
    }

    [Fact]
    public void EncodeDecode_RandomStreams_RoundTrip()
    {
        var rng = new Random(5);
        foreach (int alphabet in new[] { 1, 2, 3, 17, 257, 4096, 4097 })
        {
            for (int trial = 0; trial < 6; trial++)
            {
                // Skew varies from uniform to very steep so both the table and the slow path run.
                double steep = trial / 2.0;
                var stream = new int[rng.Next(0, 5000)];
                for (int i = 0; i < stream.Length; i++)
                {
                    stream[i] = Math.Min(alphabet - 1, (int)(alphabet * Math.Pow(rng.NextDouble(), 1 + (steep * steep * 4))));
                }

                RoundTrip(alphabet, stream);
            }
        }
    }

    [Fact]
    public void EncodeDecode_FifteenBitCodes_UseSlowPathCorrectly()
    {
        var freq = new long[40];
        freq[0] = 1;
        freq[1] = 1;
        for (int i = 2; i < freq.Length; i++)
        {
            freq[i] = freq[i - 1] + freq[i - 2];
        }

        // One of every symbol, so the longest (15-bit) codes appear in the stream.
        int[] stream = Enumerable.Range(0, 40).Concat(Enumerable.Range(0, 40).Reverse()).ToArray();
        byte[] lengths = CanonicalHuffman.BuildLengths(freq, Limit);

        RoundTrip(40, stream, lengths);
        Assert.Contains(lengths, l => l > HuffmanDecoder.PrimaryBits);
    }

    [Fact]
    public void Decode_OneSymbolCode_AcceptsZeroBitAndRejectsOneBit()
    {
        var decoder = new HuffmanDecoder(new byte[] { 0, 1, 0 });
        var zero = new BitReader(new byte[] { 0b0111_1111 });
        var one = new BitReader(new byte[] { 0b1000_0000 });

        Assert.Equal(1, decoder.Decode(ref zero));
        Assert.Equal(1, zero.Consumed);
        Assert.Equal(-1, decoder.Decode(ref one));
        Assert.Equal(0, one.Consumed);
    }

    [Fact]
    public void WriteReadTable_AllSymbolsAndSparseAlphabets_RoundTrip()
    {
        var rng = new Random(3);
        foreach (int alphabet in new[] { 1, 2, 257, 4096 })
        {
            for (int trial = 0; trial < 20; trial++)
            {
                var freq = new long[alphabet];
                double density = trial switch { 0 => 0, 1 => 1, _ => rng.NextDouble() };
                for (int i = 0; i < alphabet; i++)
                {
                    freq[i] = rng.NextDouble() < density ? rng.Next(1, 100000) : 0;
                }

                byte[] lengths = CanonicalHuffman.BuildLengths(freq, Limit);
                var sink = new ByteSink();
                CanonicalHuffman.WriteTable(sink, lengths);
                byte[] bytes = sink.WrittenSpan.ToArray();
                var reader = new SpanReader(bytes, 0, "test");

                byte[] read = CanonicalHuffman.ReadTable(ref reader, alphabet, "test stream");

                Assert.Equal(lengths, read);
                Assert.Equal(0, reader.Remaining);
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x03, 0x11, 0x10 }, "oversubscribe")]
    [InlineData(new byte[] { 0x03, 0x12, 0x30 }, "do not fill")]
    [InlineData(new byte[] { 0x01, 0x20 }, "single used symbol must have a 1-bit code")]
    [InlineData(new byte[] { 0x04, 0x11, 0x01 }, "declares 4 symbols but symbol 3 is unused")]
    [InlineData(new byte[] { 0x02, 0x03, 0x10 }, "passes the declared 2 symbols")]
    [InlineData(new byte[] { 0x03, 0x12, 0x21 }, "padding nibble")]
    [InlineData(new byte[] { 0x03, 0x11 }, "the data ends")]
    [InlineData(new byte[] { 0x05 }, "must be in [0, 4]")]
    public void ReadTable_BadTable_ThrowsInvalidDataNamingTheProblem(byte[] bytes, string expected)
    {
        var reader = new SpanReader(bytes, 0, "layer 0 (fc, Dense)");
        InvalidDataException? error = null;
        try
        {
            CanonicalHuffman.ReadTable(ref reader, 4, "weight stream");
        }
        catch (InvalidDataException e)
        {
            error = e;
        }

        Assert.NotNull(error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("layer 0 (fc, Dense): weight stream code-length table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Crc32_CheckString_MatchesIeeeCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute(ReadOnlySpan<byte>.Empty));
    }

    private static void RoundTrip(int alphabet, int[] stream, byte[]? lengths = null)
    {
        if (lengths is null)
        {
            var freq = new long[alphabet];
            foreach (int s in stream)
            {
                freq[s]++;
            }

            lengths = CanonicalHuffman.BuildLengths(freq, Limit);
        }

        uint[] codes = CanonicalHuffman.AssignCodes(lengths);
        long bits = stream.Sum(s => (long)lengths[s]);
        var writer = new BitWriter(bits);
        foreach (int s in stream)
        {
            writer.Write(codes[s], lengths[s]);
        }

        byte[] bytes = writer.ToArray();
        Assert.Equal((bits + 7) / 8, bytes.Length);
        var decoder = new HuffmanDecoder(lengths);
        var reader = new BitReader(bytes);
        for (int i = 0; i < stream.Length; i++)
        {
            Assert.Equal(stream[i], decoder.Decode(ref reader));
        }

        Assert.Equal(bits, reader.Consumed);
    }

    private static double Kraft(byte[] lengths) => lengths.Where(l => l > 0).Sum(l => Math.Pow(2, -l));

    private static long Cost(long[] freq, byte[] lengths)
    {
        long cost = 0;
        for (int i = 0; i < freq.Length; i++)
        {
            cost += freq[i] * lengths[i];
        }

        return cost;
    }

    /// <summary>Cost (sum of all merge weights) and depth of an unrestricted Huffman code.</summary>
    private static long HuffmanCost(long[] freq, out int depth)
    {
        var queue = new PriorityQueue<(long Weight, int Depth), long>();
        foreach (long f in freq.Where(f => f > 0))
        {
            queue.Enqueue((f, 0), f);
        }

        depth = 1;
        if (queue.Count == 1)
        {
            return queue.Peek().Weight;
        }

        long cost = 0;
        while (queue.Count > 1)
        {
            var a = queue.Dequeue();
            var b = queue.Dequeue();
            var merged = (a.Weight + b.Weight, Math.Max(a.Depth, b.Depth) + 1);
            cost += merged.Item1;
            queue.Enqueue(merged, merged.Item1);
            depth = merged.Item2;
        }

        return cost;
    }
}
