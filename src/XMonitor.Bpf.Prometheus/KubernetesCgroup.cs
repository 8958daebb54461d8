namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The pod and container a Kubernetes cgroup path belongs to, parsed from the kubelet's layout:
/// the systemd driver's <c>/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod&lt;uid&gt;.slice/cri-containerd-&lt;id&gt;.scope</c>
/// (pod UID with underscores for dashes), the cgroupfs driver's <c>/kubepods/burstable/pod&lt;uid&gt;/&lt;id&gt;</c>,
/// and the nested form <c>.../kubepods-besteffort-pod&lt;uid&gt;.slice:cri-containerd:&lt;id&gt;</c>.
/// </summary>
/// <param name="PodUid">The pod's UID as the API server shows it (dashes).</param>
/// <param name="ContainerId">The container id without runtime prefix, or null for the pod's own cgroup.</param>
/// <param name="QosClass"><c>guaranteed</c>, <c>burstable</c> or <c>besteffort</c>.</param>
public sealed record KubernetesCgroup(string PodUid, string? ContainerId, string QosClass)
{
    private static readonly string[] RuntimePrefixes = ["cri-containerd-", "docker-", "crio-", "containerd-", "libpod-"];

    /// <summary>Parses a cgroup path (relative to the hierarchy root or absolute under <c>/sys/fs/cgroup</c>); false when it is not inside a pod.</summary>
    public static bool TryParse(string? path, out KubernetesCgroup? result)
    {
        result = null;
        if (string.IsNullOrEmpty(path))
            return false;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string? uid = null;
        string? container = null;
        var qos = "guaranteed";
        var inKube = false;
        foreach (var raw in segments)
        {
            var segment = raw;
            string? nestedContainer = null;
            var colon = raw.IndexOf(':');
            if (colon > 0)
            {
                // containerd's systemd driver inside a container: "<pod slice>:<runtime>:<id>".
                segment = raw[..colon];
                nestedContainer = raw[(raw.LastIndexOf(':') + 1)..];
            }
            if (segment is "kubepods" or "kubepods.slice")
            {
                inKube = true;
                continue;
            }
            if (segment.StartsWith("kubepods-", StringComparison.Ordinal) && segment.EndsWith(".slice", StringComparison.Ordinal))
            {
                inKube = true;
                var body = segment["kubepods-".Length..^".slice".Length];
                var pod = body.IndexOf("pod", StringComparison.Ordinal);
                if (pod < 0)
                {
                    qos = body;
                    continue;
                }
                if (pod > 0)
                    qos = body[..(pod - 1)];
                uid = body[(pod + 3)..].Replace('_', '-');
                if (nestedContainer is not null)
                    container = nestedContainer;
                continue;
            }
            if (!inKube)
                continue;
            if (uid is null && segment is "burstable" or "besteffort")
            {
                qos = segment;
                continue;
            }
            if (uid is null && segment.StartsWith("pod", StringComparison.Ordinal))
            {
                uid = segment[3..];
                continue;
            }
            if (uid is not null && container is null)
                container = ContainerIdOf(segment);
        }
        if (uid is null || !IsUid(uid) || qos is not ("guaranteed" or "burstable" or "besteffort"))
            return false;
        if (container is not null && !IsContainerId(container))
            container = null;
        result = new KubernetesCgroup(uid, container, qos);
        return true;
    }

    private static string? ContainerIdOf(string segment)
    {
        if (!segment.EndsWith(".scope", StringComparison.Ordinal))
            return segment;
        var body = segment[..^".scope".Length];
        // CRI-O's conmon monitor has its own scope next to the container's; it is not the container.
        if (body.StartsWith("crio-conmon-", StringComparison.Ordinal))
            return null;
        foreach (var prefix in RuntimePrefixes)
        {
            if (body.StartsWith(prefix, StringComparison.Ordinal))
                return body[prefix.Length..];
        }
        return null;
    }

    private static bool IsUid(string uid) => uid.Length is >= 8 and <= 64 && uid.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static bool IsContainerId(string id) => id.Length is >= 12 and <= 128 && id.All(char.IsAsciiLetterOrDigit);
}
