using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Tests;

/// <summary>
/// The attach chooser's decisions, with attach callbacks standing in for the kernel (what a probe's
/// strategies do on real kernels is in the probes' tests and the kernel matrix): the order of
/// preference, the fallback past a refused candidate, a forced kind, nothing offered.
/// </summary>
public sealed class AttachChooserTests
{
    [Fact]
    public void A_refused_candidate_falls_back_to_the_next_and_the_choice_names_the_failure()
    {
        var chooser = new BpfAttachChooser<BpfAttachKind>("test programs", NullLogger.Instance);
        chooser.Offer(BpfAttachKind.Fentry, BpfAttachKind.Fentry, "the kernel offers fentry");
        chooser.Offer(BpfAttachKind.Kprobe, BpfAttachKind.Kprobe, "the kernel offers kprobe");
        chooser.NotOffered("tp_btf", "no such tracepoint");
        var tried = new List<BpfAttachKind>();

        var (result, plan, choice) = chooser.Attach(kind =>
        {
            tried.Add(kind);
            return kind == BpfAttachKind.Fentry ? throw new BpfException("fentry/vfs_read", 524, "the verifier said no") : "attached";
        });

        Assert.Equal([BpfAttachKind.Fentry, BpfAttachKind.Kprobe], tried);
        Assert.Equal(("attached", BpfAttachKind.Kprobe), (result, plan));
        Assert.Equal(BpfAttachKind.Kprobe, choice.Kind);
        Assert.Equal("kprobe", choice.Name);
        Assert.Equal("the kernel offers kprobe; no tp_btf: no such tracepoint", choice.Reason);
        var failure = Assert.Single(choice.Failures);
        Assert.Equal("fentry", failure.Name);
        Assert.Contains("the verifier said no", failure.Error);
        Assert.StartsWith("kprobe (the kernel offers kprobe; no tp_btf: no such tracepoint; after fentry failed: ", choice.ToString());
    }

    [Fact]
    public void The_last_candidates_error_surfaces()
    {
        var chooser = new BpfAttachChooser<BpfAttachKind>("test programs", NullLogger.Instance);
        chooser.Offer(BpfAttachKind.BtfRawTracepoint, BpfAttachKind.BtfRawTracepoint, "tp_btf works");
        chooser.Offer(BpfAttachKind.RawTracepoint, BpfAttachKind.RawTracepoint, "raw_tp works");
        var e = Assert.Throws<BpfPermissionException>(() => chooser.Attach<string>(kind => throw new BpfPermissionException($"{kind.SectionPrefix()}/x", 1)));
        Assert.Contains("raw_tp/x", e.Message);
    }

    [Fact]
    public void A_forced_kind_is_the_only_candidate()
    {
        var chooser = new BpfAttachChooser<int>("test programs", NullLogger.Instance);
        chooser.Offer(1, BpfAttachKind.Fentry, "the kernel offers fentry");
        chooser.Force(2, BpfAttachKind.Tracepoint);
        var tried = new List<int>();
        Assert.Throws<BpfException>(() => chooser.Attach<int>(plan =>
        {
            tried.Add(plan);
            throw new BpfException("tp/x", 13);
        }));
        Assert.Equal([2], tried);
    }

    [Fact]
    public void Nothing_offered_is_not_supported_with_every_reason()
    {
        var chooser = new BpfAttachChooser<BpfAttachKind>("test programs", NullLogger.Instance);
        chooser.NotOffered("fentry", "no BTF");
        chooser.NotOffered("kprobe", "no kprobe PMU");
        var e = Assert.Throws<BpfNotSupportedException>(() => chooser.Attach(kind => kind));
        Assert.Contains("fentry or kprobe", e.Message);
        Assert.Contains("no fentry: no BTF; no kprobe: no kprobe PMU", e.Message);
    }

    [Fact]
    public void A_second_hook_falls_back_before_the_first()
    {
        var counters = new BpfAttachChooser<BpfAttachKind>("test programs", NullLogger.Instance);
        counters.Offer(BpfAttachKind.BtfRawTracepoint, BpfAttachKind.BtfRawTracepoint, "a");
        counters.Offer(BpfAttachKind.Tracepoint, BpfAttachKind.Tracepoint, "b");
        var timing = new BpfAttachChooser<BpfAttachKind>("test programs", NullLogger.Instance);
        timing.Offer(BpfAttachKind.Fentry, BpfAttachKind.Fentry, "c");
        timing.Offer(BpfAttachKind.Kprobe, BpfAttachKind.Kprobe, "d");
        var tried = new List<string>();

        var (_, plan, choice) = counters.With(timing).Attach(p =>
        {
            tried.Add($"{p.First.SectionPrefix()}+{p.Second?.SectionPrefix()}");
            return p.Second == BpfAttachKind.Kprobe && p.First == BpfAttachKind.Tracepoint ? 0 : throw new BpfException("x", 22);
        });

        Assert.Equal(["tp_btf+fentry", "tp_btf+kprobe", "tp+fentry", "tp+kprobe"], tried);
        Assert.Equal((BpfAttachKind.Tracepoint, BpfAttachKind.Kprobe), (plan.First, plan.Second));
        Assert.Equal("tp+kprobe", choice.Name);
        Assert.Equal(3, choice.Failures.Count);
    }

    [Theory]
    [InlineData(BpfAttachKind.Fexit, KernelFeature.Fentry)]
    [InlineData(BpfAttachKind.Kretprobe, KernelFeature.Kprobe)]
    [InlineData(BpfAttachKind.Tracepoint, KernelFeature.Tracepoint)]
    [InlineData(BpfAttachKind.BtfRawTracepoint, KernelFeature.BtfRawTracepoint)]
    [InlineData(BpfAttachKind.Uretprobe, KernelFeature.Uprobe)]
    public void Each_kind_names_the_feature_it_needs(BpfAttachKind kind, KernelFeature feature)
        => Assert.Equal(feature, kind.RequiredFeature());
}
