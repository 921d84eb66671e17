using EmbeddedNets.Format;
using EmbeddedNets.Generator.Emitters;

namespace EmbeddedNets.Generator.Tests;

/// <summary>The generator's part of "every op is defined once in each part": its table of emitters matches the format's table of ops.</summary>
public sealed class OpCoverageTests
{
    [Fact]
    public void EveryFormatOp_HasOneEmitter_AndEveryEmitterAFormatOp()
    {
        LayerKind[] ops = [.. OpRegistry.All.Select(o => o.Kind).Order()];
        LayerKind[] emitters = [.. OpEmitters.All.Select(e => e.Kind).Order()];
        Assert.Equal(ops, emitters);
        Assert.All(ops, kind => Assert.Equal(kind, OpEmitters.Find(kind)!.Kind));
    }

    [Fact]
    public void EveryByteThatIsNoOp_HasNoEmitter()
    {
        var ops = new HashSet<LayerKind>(OpRegistry.All.Select(o => o.Kind));
        for (int tag = 0; tag < 256; tag++)
        {
            Assert.Equal(ops.Contains((LayerKind)tag), OpEmitters.Find((LayerKind)tag) is not null);
        }
    }
}
