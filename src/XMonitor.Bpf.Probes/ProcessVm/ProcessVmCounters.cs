namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>
/// Bytes of address space of one kind in one process, as far as the probe has seen since it
/// started: page-aligned lengths as the kernel maps them, not resident memory.
/// </summary>
/// <param name="CurrentBytes">Mapped now (mappings made before the probe started, or inherited through fork, are not included).</param>
/// <param name="AllocatedBytes">Everything added since the probe started (mmap, mremap growth, brk growth).</param>
/// <param name="FreedBytes">Everything removed since (munmap, mremap shrink, brk shrink, MAP_FIXED over a tracked range, exec); <c>Current = Allocated - Freed</c>.</param>
public readonly record struct ProcessVmCounters(ulong CurrentBytes, ulong AllocatedBytes, ulong FreedBytes);
