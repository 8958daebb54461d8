namespace XMonitor.Bpf;

/// <summary>Flags of a map update (<c>BPF_ANY</c>, <c>BPF_NOEXIST</c>, <c>BPF_EXIST</c>, <c>BPF_F_LOCK</c>).</summary>
public enum BpfMapUpdateFlags : ulong
{
    /// <summary>Create the entry or replace it.</summary>
    Any = 0,
    /// <summary>Create the entry only if it does not exist.</summary>
    NoExist = 1,
    /// <summary>Replace the entry only if it exists.</summary>
    Exist = 2,
    /// <summary>Take the value's spin lock while updating.</summary>
    Lock = 4,
}
