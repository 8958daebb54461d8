using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// A program of a loaded <see cref="BpfObject"/>. Each Attach method returns a <see cref="BpfLink"/>
/// that detaches on Dispose (and at the latest when the object is disposed).
/// </summary>
public sealed unsafe class BpfProgram
{
    private readonly BpfObject _owner;
    private readonly nint _prog;
    private readonly string _leaseName;

    internal BpfProgram(BpfObject owner, nint prog)
    {
        _owner = owner;
        _prog = prog;
        Name = LibBpf.ToStr(LibBpf.ProgramName(prog)) ?? "";
        SectionName = LibBpf.ToStr(LibBpf.ProgramSectionName(prog)) ?? "";
        Type = (BpfProgramType)LibBpf.ProgramType(prog);
        ExpectedAttachType = (BpfAttachType)LibBpf.ProgramExpectedAttachType(prog);
        Fd = LibBpf.ProgramFd(prog);
        InstructionCount = (int)LibBpf.ProgramInsnCount(prog);
        AttachKind = BpfAttachKinds.FromSection(SectionName, out var target);
        SectionTarget = target;
        _leaseName = $"BPF object '{owner.Name}'";
    }

    /// <summary>The C function name.</summary>
    public string Name { get; }

    /// <summary>The ELF section, which says how <see cref="Attach"/> attaches it.</summary>
    public string SectionName { get; }

    /// <summary>How the section says to attach it.</summary>
    public BpfAttachKind AttachKind { get; }

    /// <summary>The target named by the section (<c>sched/sched_switch</c> of <c>tp/sched/sched_switch</c>).</summary>
    public string SectionTarget { get; }

    /// <summary>The program type.</summary>
    public BpfProgramType Type { get; }

    /// <summary>The expected attach type (tracing programs).</summary>
    public BpfAttachType ExpectedAttachType { get; }

    /// <summary>The program's file descriptor, or -1 when it was not loaded.</summary>
    public int Fd { get; }

    /// <summary>False for a program whose <see cref="OpenBpfProgram.Autoload"/> was turned off.</summary>
    public bool IsLoaded => Fd >= 0;

    /// <summary>Instructions after load-time relocation.</summary>
    public int InstructionCount { get; }

    /// <summary>The object this program belongs to.</summary>
    public BpfObject Object => _owner;

    /// <summary>Attaches as the section name says (<c>kprobe/</c>, <c>tp/</c>, <c>raw_tp/</c>, <c>tp_btf/</c>, <c>fentry/</c>...).</summary>
    public BpfLink Attach()
        => AttachWith(AttachKind, SectionTarget, p => LibBpf.ProgramAttach(p));

    /// <summary>Attaches to the entry of kernel function <paramref name="function"/> (+<paramref name="offset"/>) as a kprobe.</summary>
    public BpfLink AttachKprobe(string function, ulong offset = 0) => AttachKprobe(function, offset, retprobe: false);

    /// <summary>Attaches to the return of kernel function <paramref name="function"/> as a kretprobe.</summary>
    public BpfLink AttachKretprobe(string function) => AttachKprobe(function, 0, retprobe: true);

    /// <summary>Attaches to tracepoint <paramref name="category"/>:<paramref name="name"/> (needs tracefs).</summary>
    public BpfLink AttachTracepoint(string category, string name)
    {
        var c = Encoding.UTF8.GetBytes(category + "\0");
        var n = Encoding.UTF8.GetBytes(name + "\0");
        return AttachWith(BpfAttachKind.Tracepoint, $"{category}/{name}", p =>
        {
            fixed (byte* cp = c)
            fixed (byte* np = n)
                return LibBpf.ProgramAttachTracepoint(p, cp, np);
        });
    }

    /// <summary>Attaches to raw tracepoint <paramref name="name"/> (for example <c>sched_switch</c>).</summary>
    public BpfLink AttachRawTracepoint(string name)
    {
        var n = Encoding.UTF8.GetBytes(name + "\0");
        return AttachWith(BpfAttachKind.RawTracepoint, name, p =>
        {
            fixed (byte* np = n)
                return LibBpf.ProgramAttachRawTracepoint(p, np);
        });
    }

    /// <summary>
    /// Attaches a tracing program (<c>tp_btf/</c>, <c>fentry/</c>, <c>fexit/</c>, <c>fmod_ret/</c>) to the
    /// target fixed at load time (its section or <see cref="OpenBpfProgram.SetAttachTarget"/>).
    /// </summary>
    public BpfLink AttachTracing()
    {
        var kind = ExpectedAttachType switch
        {
            BpfAttachType.TraceFentry => BpfAttachKind.Fentry,
            BpfAttachType.TraceFexit => BpfAttachKind.Fexit,
            BpfAttachType.TraceRawTp => BpfAttachKind.BtfRawTracepoint,
            _ => AttachKind,
        };
        return AttachWith(kind, SectionTarget, p => LibBpf.ProgramAttachTrace(p));
    }

    /// <summary>
    /// Attaches to a user-space function as a uprobe (or uretprobe): <paramref name="binaryPath"/>
    /// names the executable or library, <paramref name="symbol"/> the function (resolved by libbpf
    /// from the ELF symbol table) or null to use <paramref name="offset"/> alone; <paramref name="pid"/>
    /// -1 for every process.
    /// </summary>
    public BpfLink AttachUprobe(string binaryPath, string? symbol, ulong offset = 0, int pid = -1, bool retprobe = false)
    {
        var path = Encoding.UTF8.GetBytes(binaryPath + "\0");
        var sym = symbol is null ? null : Encoding.UTF8.GetBytes(symbol + "\0");
        var kind = retprobe ? BpfAttachKind.Uretprobe : BpfAttachKind.Uprobe;
        return AttachWith(kind, $"{binaryPath}:{symbol ?? $"0x{offset:x}"}", p =>
        {
            fixed (byte* pp = path)
            fixed (byte* sp = sym)
            {
                var opts = new UprobeOpts { Size = (nuint)sizeof(UprobeOpts), Retprobe = retprobe ? (byte)1 : (byte)0, FuncName = sp };
                return LibBpf.ProgramAttachUprobe(p, pid, pp, (nuint)offset, &opts);
            }
        });
    }

    /// <summary>Attaches to a perf event the caller opened with perf_event_open (the link takes no ownership of the fd).</summary>
    public BpfLink AttachPerfEvent(int perfEventFd)
    {
        // libbpf's perf-event link owns the descriptor it is given and closes it when destroyed; it
        // gets a duplicate, so the caller's descriptor stays the caller's to close (closing both was
        // a double close that could hit whatever file had been opened under that number since).
        var duplicate = LibC.Duplicate(perfEventFd);
        if (duplicate < 0)
            throw BpfException.FromLastError($"duplicate perf_event fd {perfEventFd}");
        try
        {
            return AttachWith(BpfAttachKind.PerfEvent, $"perf_event fd {perfEventFd}", p => LibBpf.ProgramAttachPerfEvent(p, duplicate));
        }
        catch
        {
            LibC.Close(duplicate);
            throw;
        }
    }

    /// <summary>
    /// Runs the program once in the kernel (<c>BPF_PROG_TEST_RUN</c>) with <paramref name="context"/>
    /// as its context: how <c>SEC("syscall")</c> programs run, and how others are unit-tested.
    /// </summary>
    public BpfTestRunResult TestRun(ReadOnlySpan<byte> context = default, ReadOnlySpan<byte> data = default, int repeat = 1)
    {
        using var lease = Lease();
        fixed (byte* ctx = context)
        fixed (byte* d = data)
        {
            var opts = new TestRunOpts
            {
                Size = (nuint)sizeof(TestRunOpts),
                CtxIn = context.IsEmpty ? null : ctx,
                CtxSizeIn = (uint)context.Length,
                DataIn = data.IsEmpty ? null : d,
                DataSizeIn = (uint)data.Length,
                // SEC("syscall") programs refuse any repeat field, even 1; 0 means once for every type.
                Repeat = repeat == 1 ? 0 : repeat,
            };
            if (LibBpf.ProgTestRun(Fd, &opts) != 0)
                throw BpfException.FromLastError($"test run of program '{Name}' in BPF object '{_owner.Name}'");
            return new BpfTestRunResult(opts.Retval, TimeSpan.FromTicks(opts.Duration / 100));
        }
    }

    /// <summary>
    /// The kernel's run statistics of this program: how often it ran and for how long in all.
    /// Both stay 0 unless statistics are enabled (<see cref="BpfRunStatistics.Enable"/> or
    /// <c>sysctl kernel.bpf_stats_enabled=1</c>).
    /// </summary>
    public BpfProgramStatistics GetStatistics()
    {
        using var lease = Lease();
        var info = default(ProgInfo);
        var len = (uint)sizeof(ProgInfo);
        if (LibBpf.ObjGetInfoByFd(Fd, &info, &len) != 0)
            throw BpfException.FromLastError($"read info of program '{Name}' in BPF object '{_owner.Name}'");
        return new BpfProgramStatistics(info.Id, info.RunCount, TimeSpan.FromTicks((long)(info.RunTimeNs / 100)), info.RunTimeNs);
    }

    private BpfLink AttachKprobe(string function, ulong offset, bool retprobe)
    {
        var f = Encoding.UTF8.GetBytes(function + "\0");
        var kind = retprobe ? BpfAttachKind.Kretprobe : BpfAttachKind.Kprobe;
        return AttachWith(kind, function, p =>
        {
            fixed (byte* fp = f)
            {
                var opts = new KprobeOpts { Size = (nuint)sizeof(KprobeOpts), Offset = (nuint)offset, Retprobe = retprobe ? (byte)1 : (byte)0 };
                return LibBpf.ProgramAttachKprobe(p, fp, &opts);
            }
        });
    }

    private HandleLease Lease()
    {
        var lease = new HandleLease(_owner.Handle, _leaseName);
        if (!IsLoaded)
        {
            lease.Dispose();
            throw new InvalidOperationException($"program '{Name}' of BPF object '{_owner.Name}' was not loaded (autoload was off)");
        }
        return lease;
    }

    private BpfLink AttachWith(BpfAttachKind kind, string target, Func<nint, nint> attach)
    {
        using var lease = Lease();
        nint link;
        int errno;
        string? detail;
        using (var capture = BpfLog.Capture())
        {
            link = attach(_prog);
            errno = link == 0 ? LibBpf.LastErrno() : 0;
            detail = capture.Detail;
        }
        if (link == 0)
            throw AttachFailure(kind, target, errno, detail);
        var result = new BpfLink(new BpfLinkHandle(link), this, kind, target);
        _owner.Track(result);
        return result;
    }

    private BpfException AttachFailure(BpfAttachKind kind, string target, int errno, string? detail)
    {
        var context = $"attach program '{Name}' of BPF object '{_owner.Name}' as {kind.Name()} '{target}'";
        var feature = kind switch
        {
            BpfAttachKind.Kprobe or BpfAttachKind.Kretprobe => KernelFeature.Kprobe,
            BpfAttachKind.Uprobe or BpfAttachKind.Uretprobe => KernelFeature.Uprobe,
            BpfAttachKind.Tracepoint => KernelFeature.Tracepoint,
            BpfAttachKind.Fentry or BpfAttachKind.Fexit => KernelFeature.Fentry,
            BpfAttachKind.BtfRawTracepoint => KernelFeature.BtfRawTracepoint,
            _ => (KernelFeature?)null,
        };
        if (feature is { } f && KernelFeatures.Check(f) is { IsSupported: false } status)
            return KernelFeatures.Unavailable(context, f, status, errno);
        if (errno is Errno.EACCES or Errno.EPERM
            && kind is BpfAttachKind.Tracepoint or BpfAttachKind.Kprobe or BpfAttachKind.Kretprobe or BpfAttachKind.Uprobe or BpfAttachKind.Uretprobe
            && Privileges.PerfEventParanoidBlocking() is { } paranoid)
        {
            return new BpfPermissionException(context, errno,
                $"perf_event_open was refused: kernel.perf_event_paranoid is {paranoid}, which on Debian's and Ubuntu's kernels leaves perf events (tp/, kprobe and uprobe attachments) to CAP_SYS_ADMIN; " +
                "set kernel.perf_event_paranoid=2 (sysctl) or grant CAP_SYS_ADMIN. tp_btf, raw_tp and fentry do not use perf events");
        }
        return BpfException.FromErrno(context, errno, detail);
    }
}
