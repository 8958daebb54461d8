namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>A file-system operation the probe times (the kernel side's <c>enum fslatency_op</c>).</summary>
public enum FsOperation
{
    /// <summary>read, pread64 (NFS: <c>nfs_file_read</c>).</summary>
    Read = 0,
    /// <summary>write, pwrite64 (NFS: <c>nfs_file_write</c>).</summary>
    Write = 1,
    /// <summary>openat, open (NFS: <c>nfs_file_open</c>, NFSv4 <c>nfs4_file_open</c>).</summary>
    Open = 2,
    /// <summary>fsync, fdatasync (NFS: <c>nfs_file_fsync</c>).</summary>
    Fsync = 3,
    /// <summary>fstat, newfstatat, statx (NFS: <c>nfs_getattr</c>).</summary>
    Getattr = 4,
}
