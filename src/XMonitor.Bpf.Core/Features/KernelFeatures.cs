using System.Collections.Concurrent;
using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// What the running kernel offers, probed once per process and cached: program and map types,
/// helpers, attach kinds (kprobe, fentry, tp_btf...), tracefs and BTF. Probes that load a program
/// need the same privilege as loading any program; without it they answer
/// <see cref="FeatureSupport.Unknown"/>.
/// </summary>
public static unsafe class KernelFeatures
{
    private const int BpfFuncLoop = 181;
    private const int ProgTypeTracing = 26;

    private static readonly ConcurrentDictionary<KernelFeature, FeatureStatus> Features = new();
    private static readonly ConcurrentDictionary<BpfProgramType, bool> ProgramTypes = new();
    private static readonly ConcurrentDictionary<BpfMapType, bool> MapTypes = new();
    private static readonly ConcurrentDictionary<(BpfProgramType, int), bool> Helpers = new();

    /// <summary>Where tracefs is mounted (<c>/sys/kernel/tracing</c> or the debugfs path), or null.</summary>
    public static string? TracefsPath =>
        Directory.Exists("/sys/kernel/tracing/events") ? "/sys/kernel/tracing"
        : Directory.Exists("/sys/kernel/debug/tracing/events") ? "/sys/kernel/debug/tracing"
        : null;

    /// <summary>
    /// Whether the kernel has the tracepoint: <c>CATEGORY/NAME</c> (<c>syscalls/sys_enter_open</c>),
    /// or a bare <c>NAME</c> in any category, as tracefs lists them. Null without tracefs: then only
    /// loading a program tells (tp_btf and raw_tp do not need tracefs).
    /// </summary>
    public static bool? TracepointExists(string tracepoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(tracepoint);
        if (TracefsPath is not { } tracefs)
            return null;
        var events = Path.Combine(tracefs, "events");
        return tracepoint.Contains('/')
            ? Directory.Exists(Path.Combine(events, tracepoint))
            : Directory.EnumerateDirectories(events).Any(category => Directory.Exists(Path.Combine(category, tracepoint)));
    }

    /// <summary>Probes <paramref name="feature"/> (once; later calls answer from the cache).</summary>
    public static FeatureStatus Check(KernelFeature feature)
        // tracefs can be mounted while the process runs, so its answer is not cached when negative.
        => feature == KernelFeature.Tracefs || feature == KernelFeature.Tracepoint
            ? Probe(feature)
            : Features.GetOrAdd(feature, Probe);

    /// <summary>True when <paramref name="feature"/> was seen to work.</summary>
    public static bool IsSupported(KernelFeature feature) => Check(feature).IsSupported;

    /// <summary>
    /// Throws <see cref="BpfNotSupportedException"/> naming the feature and why, unless it is
    /// supported; <see cref="BpfPermissionException"/> when tracefs is mounted but this process may
    /// not read it (a non-root user without CAP_DAC_READ_SEARCH).
    /// </summary>
    public static void Require(KernelFeature feature, string context)
    {
        var status = Check(feature);
        if (!status.IsSupported)
            throw Unavailable(context, feature, status);
    }

    /// <summary>True when the kernel can load programs of <paramref name="type"/>.</summary>
    public static bool IsProgramTypeSupported(BpfProgramType type)
        => ProgramTypes.GetOrAdd(type, t => { BpfLog.EnsureInstalled(); return LibBpf.ProbeProgType((int)t, null) == 1; });

    /// <summary>True when the kernel can create maps of <paramref name="type"/>.</summary>
    public static bool IsMapTypeSupported(BpfMapType type)
        => MapTypes.GetOrAdd(type, t => { BpfLog.EnsureInstalled(); return LibBpf.ProbeMapType((int)t, null) == 1; });

    /// <summary>True when programs of <paramref name="programType"/> may call helper number <paramref name="helperId"/> (<c>BPF_FUNC_*</c>).</summary>
    public static bool IsHelperSupported(BpfProgramType programType, int helperId)
        => Helpers.GetOrAdd((programType, helperId), k => { BpfLog.EnsureInstalled(); return LibBpf.ProbeHelper((int)k.Item1, k.Item2, null) == 1; });

    /// <summary>Probes every feature; for logs and the agent's /probes page.</summary>
    public static IReadOnlyList<FeatureStatus> CheckAll() => Enum.GetValues<KernelFeature>().Select(Check).ToArray();

    internal static string Name(KernelFeature feature) => feature switch
    {
        KernelFeature.Btf => "BTF (/sys/kernel/btf/vmlinux)",
        KernelFeature.Tracefs => "tracefs",
        KernelFeature.Tracepoint => "tracepoint",
        KernelFeature.RawTracepoint => "raw_tp",
        KernelFeature.BtfRawTracepoint => "tp_btf",
        KernelFeature.Kprobe => "kprobe",
        KernelFeature.Fentry => "fentry",
        KernelFeature.Uprobe => "uprobe",
        KernelFeature.RingBuffer => "ring buffer",
        KernelFeature.BpfLoop => "bpf_loop",
        KernelFeature.SyscallProgram => "syscall program",
        KernelFeature.MapBatchOps => "map batch operations",
        KernelFeature.RunStatistics => "BPF run statistics",
        _ => feature.ToString(),
    };

    private static FeatureStatus Probe(KernelFeature feature)
    {
        BpfLog.EnsureInstalled();
        return feature switch
        {
            KernelFeature.Btf => FromFile(feature, "/sys/kernel/btf/vmlinux"),
            KernelFeature.Tracefs => TracefsPath is { } p
                ? new(feature, FeatureSupport.Supported, $"tracefs mounted at {p}")
                : TracefsMissing(feature),
            KernelFeature.Tracepoint => ProbeTracepoint(),
            KernelFeature.RawTracepoint => FromProgramType(feature, BpfProgramType.RawTracepoint),
            KernelFeature.BtfRawTracepoint => ProbeTracing(feature, BpfAttachType.TraceRawTp, "sched_switch"),
            KernelFeature.Fentry => ProbeTracing(feature, BpfAttachType.TraceFentry, "vfs_read"),
            KernelFeature.Kprobe => ProbeDynamicEvents(feature, "kprobe"),
            KernelFeature.Uprobe => ProbeDynamicEvents(feature, "uprobe"),
            KernelFeature.RingBuffer => FromMapType(feature, BpfMapType.RingBuf),
            KernelFeature.BpfLoop => IsHelperSupported(BpfProgramType.Tracepoint, BpfFuncLoop)
                ? new(feature, FeatureSupport.Supported, "tracepoint programs may call bpf_loop")
                : new(feature, FeatureSupport.NotSupported, "the verifier refuses bpf_loop in tracepoint programs"),
            KernelFeature.SyscallProgram => FromProgramType(feature, BpfProgramType.Syscall),
            KernelFeature.MapBatchOps => ProbeBatchOps(),
            KernelFeature.RunStatistics => FromFile(feature, "/proc/sys/kernel/bpf_stats_enabled"),
            _ => new(feature, FeatureSupport.Unknown, "no probe for this feature"),
        };
    }

    private static FeatureStatus FromFile(KernelFeature feature, string path)
        => File.Exists(path)
            ? new(feature, FeatureSupport.Supported, $"{path} exists")
            : new(feature, FeatureSupport.NotSupported, $"{path} does not exist");

    private static FeatureStatus FromProgramType(KernelFeature feature, BpfProgramType type)
        => IsProgramTypeSupported(type)
            ? new(feature, FeatureSupport.Supported, $"a {type} program loaded")
            : new(feature, FeatureSupport.NotSupported, $"the kernel refused to load a {type} program");

    private static FeatureStatus FromMapType(KernelFeature feature, BpfMapType type)
        => IsMapTypeSupported(type)
            ? new(feature, FeatureSupport.Supported, $"a {type} map was created")
            : new(feature, FeatureSupport.NotSupported, $"the kernel refused to create a {type} map");

    private static FeatureStatus ProbeTracepoint()
    {
        if (!IsProgramTypeSupported(BpfProgramType.Tracepoint))
            return new(KernelFeature.Tracepoint, FeatureSupport.NotSupported, "the kernel refused to load a tracepoint program");
        return TracefsPath is { } p
            ? new(KernelFeature.Tracepoint, FeatureSupport.Supported, $"tracepoint programs load and tracefs is at {p}")
            : TracefsMissing(KernelFeature.Tracepoint);
    }

    /// <summary>
    /// Why <see cref="TracefsPath"/> found nothing: tracefs is not mounted (not supported), or it is
    /// mounted where this process may not look (<see cref="FeatureSupport.Unknown"/>: tracefs is
    /// root's with mode 0700, so a non-root process needs CAP_DAC_READ_SEARCH).
    /// </summary>
    private static FeatureStatus TracefsMissing(KernelFeature feature)
        => UnreadableTracefsMount() is { } mount
            ? new(feature, FeatureSupport.Unknown, $"tracefs is mounted at {mount} but this process may not read it (permission denied): run as root or grant CAP_DAC_READ_SEARCH")
            : new(feature, FeatureSupport.NotSupported, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");

    /// <summary>A tracefs mount point in /proc/self/mountinfo whose events directory this process cannot search, or null.</summary>
    private static string? UnreadableTracefsMount()
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "36 25 0:12 / /sys/kernel/tracing rw,nosuid - tracefs nodev rw": the mount point is the
            // fifth field, the file-system type the first after " - ".
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0 || !line.AsSpan(separator + 3).StartsWith("tracefs ", StringComparison.Ordinal))
                continue;
            var mountPoint = line.Split(' ')[4];
            if (mountPoint is not ("/sys/kernel/tracing" or "/sys/kernel/debug/tracing"))
                continue;
            try
            {
                Directory.EnumerateFileSystemEntries($"{mountPoint}/events").Any();
            }
            catch (UnauthorizedAccessException)
            {
                return mountPoint;
            }
        }
        return null;
    }

    /// <summary>
    /// The exception for a <paramref name="feature"/> that <paramref name="status"/> says is not
    /// usable: <see cref="BpfPermissionException"/> when tracefs is mounted but unreadable to this
    /// process, otherwise <see cref="BpfNotSupportedException"/>.
    /// </summary>
    internal static BpfException Unavailable(string context, KernelFeature feature, FeatureStatus status, int errno = 0)
        => feature is KernelFeature.Tracefs or KernelFeature.Tracepoint && status.Support == FeatureSupport.Unknown
            ? new BpfPermissionException(context, Errno.EACCES, status.Reason)
            : new BpfNotSupportedException(context, Name(feature), errno, status.Reason);

    /// <summary>kprobes and uprobes exist when their perf PMU or their tracefs control file does.</summary>
    private static FeatureStatus ProbeDynamicEvents(KernelFeature feature, string kind)
    {
        var pmu = $"/sys/bus/event_source/devices/{kind}/type";
        if (File.Exists(pmu))
            return new(feature, FeatureSupport.Supported, $"{pmu} exists");
        if (TracefsPath is { } tracefs && File.Exists($"{tracefs}/{kind}_events"))
            return new(feature, FeatureSupport.Supported, $"{tracefs}/{kind}_events exists");
        var config = kind == "kprobe" ? "CONFIG_KPROBES" : "CONFIG_UPROBES";
        return new(feature, FeatureSupport.NotSupported, $"no {kind} PMU ({pmu}) and no {kind}_events in tracefs: the kernel was built without {config}");
    }

    /// <summary>Loads a two-instruction tracing program against a kernel BTF id, as libbpf would for fentry or tp_btf.</summary>
    private static FeatureStatus ProbeTracing(KernelFeature feature, BpfAttachType attachType, string target)
    {
        if (!File.Exists("/sys/kernel/btf/vmlinux"))
            return new(feature, FeatureSupport.NotSupported, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
        int btfId;
        fixed (byte* t = Encoding.UTF8.GetBytes(target + "\0"))
            btfId = LibBpf.FindVmlinuxBtfId(t, (int)attachType);
        if (btfId <= 0)
            return new(feature, FeatureSupport.NotSupported, $"kernel BTF has no attach target '{target}'");

        ulong* insns = stackalloc ulong[] { 0xb7 /* r0 = 0 */, 0x95 /* exit */ };
        var opts = new ProgLoadOpts
        {
            Size = (nuint)sizeof(ProgLoadOpts),
            ExpectedAttachType = (int)attachType,
            AttachBtfId = (uint)btfId,
        };
        int fd;
        fixed (byte* license = "GPL\0"u8)
            fd = LibBpf.ProgLoad(ProgTypeTracing, null, license, insns, 2, &opts);
        if (fd >= 0)
        {
            LibC.Close(fd);
            return new(feature, FeatureSupport.Supported, $"a {Name(feature)} program on '{target}' loaded");
        }
        var errno = LibBpf.LastErrno();
        if ((errno is Errno.EPERM or Errno.EACCES) && !Privileges.CanUseBpf)
            return new(feature, FeatureSupport.Unknown, $"cannot tell without CAP_BPF/CAP_PERFMON: loading a probe program failed with {Errno.Describe(errno)}");
        return new(feature, FeatureSupport.NotSupported, $"loading a {Name(feature)} program on '{target}' failed: {Errno.Describe(errno)}");
    }

    private static FeatureStatus ProbeBatchOps()
    {
        int fd;
        fixed (byte* name = "xm_probe_batch\0"u8)
            fd = LibBpf.MapCreate((int)BpfMapType.Hash, name, 4, 4, 1, null);
        if (fd < 0)
        {
            var errno = LibBpf.LastErrno();
            return new(KernelFeature.MapBatchOps, FeatureSupport.Unknown, $"could not create a probe map: {Errno.Describe(errno)}");
        }
        try
        {
            ulong batch = 0;
            uint key = 0, value = 0, count = 1;
            var opts = new MapBatchOpts { Size = (nuint)sizeof(MapBatchOpts) };
            var rc = LibBpf.MapLookupBatch(fd, null, &batch, &key, &value, &count, &opts);
            var err = rc == 0 ? 0 : LibBpf.LastErrno();
            // An empty map answers ENOENT when batch lookup exists, EINVAL when it does not.
            return err is 0 or Errno.ENOENT
                ? new(KernelFeature.MapBatchOps, FeatureSupport.Supported, "batch lookup on a hash map answered")
                : new(KernelFeature.MapBatchOps, FeatureSupport.NotSupported, $"batch lookup on a hash map failed: {Errno.Describe(err)}");
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
