namespace XMonitor.Bpf;

/// <summary>How to open a BPF object.</summary>
public sealed record BpfObjectOptions
{
    /// <summary>The object's name; internal map names derive from it. Defaults to the file name up to its first dot.</summary>
    public string? Name { get; init; }

    /// <summary>Where maps declared with <c>LIBBPF_PIN_BY_NAME</c> are pinned (default <c>/sys/fs/bpf</c>).</summary>
    public string? PinRootPath { get; init; }

    /// <summary>
    /// A kernel BTF file to use for CO-RE instead of <c>/sys/kernel/btf/vmlinux</c> (for kernels without BTF).
    /// When null, CO-RE also searches the kernel modules' BTF if the process has CAP_SYS_ADMIN, and only
    /// vmlinux otherwise (listing module BTF needs CAP_SYS_ADMIN), so CAP_BPF and CAP_PERFMON suffice.
    /// </summary>
    public string? BtfCustomPath { get; init; }

    /// <summary>Bytes kept for the verifier log of a failed load (default 4 MiB; memory is touched only when written).</summary>
    public int VerifierLogSize { get; init; } = 4 << 20;
}
