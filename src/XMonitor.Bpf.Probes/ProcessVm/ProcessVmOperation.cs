namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>The call that made an allocation. The values equal the kernel side's <c>enum processvm_op</c>.</summary>
public enum ProcessVmOperation
{
    /// <summary>A new mapping (<c>mmap</c>).</summary>
    Mmap = 0,
    /// <summary>Growth of a mapping by <c>mremap</c>.</summary>
    Mremap = 1,
    /// <summary>Growth of the heap by <c>brk</c>.</summary>
    Brk = 2,
}
