namespace XMonitor.Bpf.Probes;

/// <summary>A probe <see cref="ProbeHostedService{TProbe}"/> can start with a host and stop (detaching everything) with it.</summary>
internal interface IHostedProbe : IAsyncDisposable
{
    void Start();
}
