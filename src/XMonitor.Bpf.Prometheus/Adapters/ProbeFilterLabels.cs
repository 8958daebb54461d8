using System.Globalization;
using XMonitor.Bpf.Probes;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// A probe's <see cref="ProcessFilter"/> as label values: ours (<c>scope</c>, <c>scope_value</c>)
/// and the seed's (<c>res_type</c>, <c>res_value</c> with its <c>XM_Resource_*</c> names).
/// </summary>
internal static class ProbeFilterLabels
{
    /// <summary>The <c>scope</c> label: which tasks the probe records.</summary>
    public static string Scope(ProcessFilter filter) => filter.Kind switch
    {
        ProcessFilterKind.PidNamespace => "pid_namespace",
        ProcessFilterKind.Cgroup => "cgroup",
        ProcessFilterKind.Pid => "pid",
        ProcessFilterKind.ProcessGroup => "process_group",
        _ => "all",
    };

    /// <summary>The <c>scope_value</c> (and <c>res_value</c>) label: the pid, pgid, namespace inode or cgroup id; empty for every task.</summary>
    public static string Value(ProcessFilter filter)
        => filter.Kind == ProcessFilterKind.All ? "" : filter.Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The seed's <c>res_type</c> for the filter.</summary>
    public static string LegacyType(ProcessFilter filter) => filter.Kind switch
    {
        ProcessFilterKind.PidNamespace => "XM_Resource_Namespace",
        ProcessFilterKind.Cgroup => "XM_Resource_CGroup",
        ProcessFilterKind.Pid => "XM_Resource_PID",
        ProcessFilterKind.ProcessGroup => "XM_Resource_PGID",
        _ => "XM_Resource_OS",
    };
}
