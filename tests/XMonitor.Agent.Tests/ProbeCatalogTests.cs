using Microsoft.Extensions.Logging.Abstractions;
using XMonitor.Agent.Probes;
using XMonitor.Bpf.Probes;

namespace XMonitor.Agent.Tests;

/// <summary>The agent's probe table agrees with the probes themselves (nothing here touches the kernel: a probe loads nothing before Start).</summary>
public sealed class ProbeCatalogTests
{
    [Fact]
    public void Each_section_is_its_probes_own_name_and_the_options_type_it_makes()
    {
        Assert.Equal(["cpu_sched", "cache_stat", "process_vm", "oom_kill", "bio_latency", "napi", "fs_latency"], ProbeCatalog.All.Select(d => d.Name));
        foreach (var definition in ProbeCatalog.All)
        {
            var options = definition.CreateOptions();
            Assert.IsType(definition.OptionsType, options);
            Assert.Empty(options.Validate());
            using var probe = definition.Create(options, NullLoggerFactory.Instance);
            Assert.Equal(definition.Name, probe.Name);
            Assert.Equal(Bpf.Probes.ProbeState.NotStarted, probe.State);
        }
    }

    [Fact]
    public void Every_event_type_a_probe_publishes_has_a_stream_name()
    {
        foreach (var definition in ProbeCatalog.All)
        {
            using var probe = definition.Create(definition.CreateOptions(), NullLoggerFactory.Instance);
            var eventProbe = probe.GetType().GetInterfaces().SingleOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEventProbe<>));
            if (eventProbe is null)
            {
                Assert.Empty(definition.EventTypes);
                continue;
            }
            var recordType = eventProbe.GetGenericArguments()[0];
            Assert.NotEmpty(definition.EventTypes);
            Assert.All(definition.EventTypes.Keys, t => Assert.True(t.IsAssignableTo(recordType), $"{definition.Name}: {t.Name} is not a {recordType.Name}"));
            Assert.All(definition.EventTypes.Keys, t => Assert.False(t.IsAbstract, $"{definition.Name}: {t.Name}"));
        }
    }
}
