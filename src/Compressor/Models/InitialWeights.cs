using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace EmbeddedNets.Compressor.Models;

/// <summary>
/// Starting values for every tensor a network trains or tracks — e.g. an imported model's weights —
/// keyed <c>node.key</c> as <see cref="ArchitectureSpec.ParameterShapes"/> lists them (a weighted
/// node's <c>weight</c> and <c>bias</c>; a batch norm's <c>gamma</c>, <c>beta</c>,
/// <c>running_mean</c>, <c>running_var</c>), each flat in row-major order.
/// </summary>
public sealed class InitialWeights
{
    private readonly Dictionary<string, float[]> _tensors;

    /// <summary>Creates the set; the arrays are copied.</summary>
    public InitialWeights(IReadOnlyDictionary<string, float[]> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = tensors.ToDictionary(t => t.Key, t => (float[])(t.Value ?? throw new ArgumentException($"tensor '{t.Key}' is null", nameof(tensors))).Clone(), StringComparer.Ordinal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach ((string key, float[] values) in _tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(key));
            sha.AppendData(BitConverter.GetBytes(values.Length));
            sha.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        Fingerprint = Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The tensors by key.</summary>
    public IReadOnlyDictionary<string, float[]> Tensors => _tensors;

    /// <summary>SHA-256 (hex) of the keys and values: part of every checkpoint key of a run that starts from them.</summary>
    public string Fingerprint { get; }

    /// <summary>Copies every tensor into <paramref name="network"/>.</summary>
    /// <exception cref="ArchitectureException">A tensor the architecture needs is missing, has the wrong number of values or holds a non-finite value, or a key names nothing in it.</exception>
    internal void LoadInto(SpecNetwork network)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (ResolvedNode node in network.Architecture.Resolved)
            {
                foreach ((string key, Tensor target) in network.Modules[node.Index].InitialTensors)
                {
                    string full = node.Name + "." + key;
                    needed.Add(full);
                    if (!_tensors.TryGetValue(full, out float[]? values))
                    {
                        throw new ArchitectureException($"initial weights: {node.Label} needs '{full}' ({Describe(target.shape)})", node.Name, key);
                    }

                    if (values.LongLength != target.numel())
                    {
                        throw new ArchitectureException($"initial weights: '{full}' has {values.Length} values but {node.Label} needs {Describe(target.shape)}", node.Name, key);
                    }

                    if (!values.All(float.IsFinite))
                    {
                        throw new ArchitectureException($"initial weights: '{full}' holds a non-finite value", node.Name, key);
                    }

                    target.copy_(tensor(values).reshape(target.shape));
                }
            }
        }

        string? extra = _tensors.Keys.Where(k => !needed.Contains(k)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
        {
            throw new ArchitectureException($"initial weights: '{extra}' is not a tensor of {network.Architecture.Name} (it has: {string.Join(", ", needed.Order(StringComparer.Ordinal))})", null, extra);
        }
    }

    private static string Describe(long[] shape) =>
        "[" + string.Join(", ", shape) + "] = " + shape.Aggregate(1L, (a, b) => a * b).ToString(System.Globalization.CultureInfo.InvariantCulture) + " values";
}
