using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Probe options bound from configuration (appsettings.json as a host reads it): durations, enums and process filters from strings.</summary>
public sealed class OptionsBindingTests
{
    [Fact]
    public void A_probes_options_bind_from_configuration_strings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Probes:CpuSched:Interval"] = "00:00:05",
            ["Probes:CpuSched:HungTaskThreshold"] = "00:00:02",
            ["Probes:CpuSched:Unit"] = "Nanoseconds",
            ["Probes:CpuSched:AttachStrategy"] = "RawTracepoint",
            ["Probes:CpuSched:Filter"] = $"pid:{Environment.ProcessId}",
            ["Probes:CacheStat:Filter"] = "cgroup_id:1",
            ["Probes:CacheStat:TopProcesses"] = "3",
        }).Build();
        var services = new ServiceCollection();
        services.AddCpuSchedProbe().Configure<CpuSchedOptions>(configuration.GetSection("Probes:CpuSched"));
        services.AddCacheStatProbe().Configure<CacheStatOptions>(configuration.GetSection("Probes:CacheStat"));
        using var provider = services.BuildServiceProvider();

        var cpu = provider.GetRequiredService<IOptions<CpuSchedOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(5), cpu.Interval);
        Assert.Equal(TimeSpan.FromSeconds(2), cpu.HungTaskThreshold);
        Assert.Equal(HistogramUnit.Nanoseconds, cpu.Unit);
        Assert.Equal(BpfAttachKind.RawTracepoint, cpu.AttachStrategy);
        Assert.Equal((ProcessFilterKind.Pid, (ulong)Environment.ProcessId), (cpu.Filter.Kind, cpu.Filter.Value));
        var cache = provider.GetRequiredService<IOptions<CacheStatOptions>>().Value;
        Assert.Equal((ProcessFilterKind.Cgroup, 1UL), (cache.Filter.Kind, cache.Filter.Value));
        Assert.Equal(3, cache.TopProcesses);
        Assert.Equal(cpu.Interval, provider.GetRequiredService<CpuSchedProbe>().Options.Interval);
    }

    [Theory]
    [InlineData("all", ProcessFilterKind.All, 0UL)]
    [InlineData(" pid:42 ", ProcessFilterKind.Pid, 42UL)]
    [InlineData("pgid:7", ProcessFilterKind.ProcessGroup, 7UL)]
    [InlineData("pid_namespace:4026531836", ProcessFilterKind.PidNamespace, 4026531836UL)]
    [InlineData("cgroup_id:99", ProcessFilterKind.Cgroup, 99UL)]
    public void A_filter_parses_from_each_text_form(string text, ProcessFilterKind kind, ulong value)
    {
        var filter = ProcessFilter.Parse(text);
        Assert.Equal((kind, value), (filter.Kind, filter.Value));
        Assert.True(ProcessFilter.TryParse(text, null, out var again));
        Assert.Equal(filter.Kind, again.Kind);
    }

    [Theory]
    [InlineData("everyone", "expected all, pid:N, pgid:N, pid_namespace:INODE, pid_namespace_of:N, cgroup:PATH or cgroup_id:N, got 'everyone'")]
    [InlineData("pid:abc", "'pid:abc': pid takes a number")]
    [InlineData("pid:", "'pid:': pid takes a number")]
    public void A_bad_filter_text_is_a_format_error_naming_the_forms(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => ProcessFilter.Parse(text));
        Assert.StartsWith(message, e.Message);
        Assert.False(ProcessFilter.TryParse(text, null, out _));
    }

    [Fact]
    public void A_bad_filter_in_configuration_fails_the_binding_with_the_forms()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Filter"] = "everyone" }).Build();
        var e = Assert.ThrowsAny<InvalidOperationException>(() => configuration.Get<CacheStatOptions>());
        Assert.Contains("expected all, pid:N", e.ToString());
    }
}
