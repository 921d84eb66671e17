using System.Runtime.InteropServices;

namespace EmbeddedNets.Compressor;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for the dcz process. While an interruptible command runs
/// (<see cref="Armed"/>), the first signal cancels <see cref="Token"/> and the command stops at
/// its next safe point (exit code 130); a second signal, or any signal while not armed, ends the
/// process at once as it would without a handler.
/// </summary>
internal sealed class InterruptHandler : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _error;
    private int _signals;
    private volatile bool _armed;

    public InterruptHandler(TextWriter error)
    {
        _error = error;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Fires on the first signal while armed.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>A command that watches <see cref="Token"/> is running.</summary>
    public bool Armed
    {
        get => _armed;
        set => _armed = value;
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        if (!_armed || Interlocked.Increment(ref _signals) > 1)
        {
            return;
        }

        context.Cancel = true;
        _error.WriteLine($"dcz: {context.Signal} received; stopping at the next safe point (send it again to stop at once)");
        _cancellation.Cancel();
    }
}
