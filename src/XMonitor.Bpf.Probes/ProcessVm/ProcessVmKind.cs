namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>What kind of address space a mapping is. The values equal the kernel side's <c>enum processvm_kind</c>.</summary>
public enum ProcessVmKind
{
    /// <summary>Private anonymous memory: <c>mmap(MAP_PRIVATE | MAP_ANONYMOUS)</c>.</summary>
    AnonymousPrivate = 0,
    /// <summary>Shared mappings: <c>mmap(MAP_SHARED)</c>, anonymous, memfd, /dev/shm or other files.</summary>
    Shared = 1,
    /// <summary>The brk heap.</summary>
    Brk = 2,
}
