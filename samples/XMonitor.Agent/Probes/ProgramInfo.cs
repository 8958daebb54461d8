namespace XMonitor.Agent.Probes;

/// <summary>A loaded BPF program of a probe, as /probes lists it.</summary>
/// <param name="Name">The program's name in its object.</param>
/// <param name="Id">The kernel's program id (what <c>bpftool prog show id N</c> takes).</param>
internal sealed record ProgramInfo(string Name, uint Id);
