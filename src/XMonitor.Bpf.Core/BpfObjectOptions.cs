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
    /// When null, the object is relocated against a minimal BTF cut from vmlinux for it: the kernel's
    /// definitions of every type its relocations name and what those embed (the same instructions as
    /// against the whole BTF, for a fraction of libbpf's work; cached per process). Objects whose
    /// relocations need the kernel's own type ids, or name a type vmlinux lacks while the process may
    /// read kernel modules' BTF (CAP_SYS_ADMIN), get libbpf's default search instead; without
    /// CAP_SYS_ADMIN CO-RE keeps to vmlinux, so CAP_BPF and CAP_PERFMON suffice. Set
    /// <see cref="Btf.BtfSpec.KernelBtfPath"/> here to relocate against the whole of vmlinux.
    /// </summary>
    public string? BtfCustomPath { get; init; }

    /// <summary>Bytes kept for the verifier log of a failed load (default 4 MiB; memory is touched only when written).</summary>
    public int VerifierLogSize { get; init; } = 4 << 20;
}
