namespace XMonitor.Bpf.Prometheus;

/// <summary>The <c>comm</c> of a process by pid, from <c>/proc/PID/comm</c>; empty when it is gone.</summary>
internal static class ProcessNames
{
    public static string Comm(ulong pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
