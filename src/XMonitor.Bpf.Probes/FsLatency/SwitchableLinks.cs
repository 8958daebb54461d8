namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>
/// The links of a set of loaded programs that are attached and detached together while the probe
/// runs: attached while a mount of the watched type exists, detached (costing nothing on the
/// syscall path) while none does. Readers (health metrics, statistics, the stop) see a snapshot.
/// The programs are attached in the order given and detached in the reverse order.
/// </summary>
internal sealed class SwitchableLinks(IReadOnlyList<BpfProgram> programs) : IReadOnlyList<BpfLink>
{
    private volatile BpfLink[] _links = [];

    /// <summary>True while the programs are attached.</summary>
    public bool IsAttached => _links.Length > 0;

    public int Count => _links.Length;

    public BpfLink this[int index] => _links[index];

    /// <summary>Attaches every program (none when they are attached already); on failure detaches what was attached and rethrows.</summary>
    public void Attach()
    {
        if (IsAttached)
            return;
        var links = new List<BpfLink>(programs.Count);
        try
        {
            foreach (var program in programs)
                links.Add(program.Attach());
        }
        catch
        {
            foreach (var link in links)
                link.Dispose();
            throw;
        }
        _links = [.. links];
    }

    /// <summary>Detaches every program.</summary>
    public void Detach()
    {
        var links = _links;
        for (var i = links.Length - 1; i >= 0; i--)
            links[i].Dispose();
        _links = [];
    }

    public IEnumerator<BpfLink> GetEnumerator() => ((IEnumerable<BpfLink>)_links).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
