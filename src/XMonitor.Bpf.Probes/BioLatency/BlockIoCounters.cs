namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>Counters of completed block requests of one disk and operation.</summary>
/// <param name="Requests">Completions (a request completed in parts counts once per part, which is rare).</param>
/// <param name="Errors">Completions with a non-zero status.</param>
/// <param name="Bytes">Bytes completed.</param>
/// <param name="Sequential">Requests with data that started at the sector where the previous request with data on the same disk (of any operation) ended, as BCC's biopattern counts them.</param>
/// <param name="Random">The other requests with data; requests without data (flushes) count as neither.</param>
public readonly record struct BlockIoCounters(ulong Requests, ulong Errors, ulong Bytes, ulong Sequential, ulong Random)
{
    /// <summary>The share of <see cref="Sequential"/> among the requests with data, 0 to 1; 0 when there were none.</summary>
    public double SequentialShare => Sequential + Random == 0 ? 0 : (double)Sequential / (Sequential + Random);

    /// <summary>
    /// What was counted after <paramref name="earlier"/>, a previous reading of the same cumulative
    /// counters; when one went down (the kernel's entry was recreated) these counters are returned as they are.
    /// </summary>
    internal BlockIoCounters Subtract(BlockIoCounters earlier)
        => Requests < earlier.Requests || Errors < earlier.Errors || Bytes < earlier.Bytes || Sequential < earlier.Sequential || Random < earlier.Random
            ? this
            : new(Requests - earlier.Requests, Errors - earlier.Errors, Bytes - earlier.Bytes, Sequential - earlier.Sequential, Random - earlier.Random);
}
