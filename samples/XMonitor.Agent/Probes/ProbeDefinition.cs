using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Agent.Probes;

/// <summary>
/// A probe the agent knows: its section name, its options class, how to make one, its Prometheus
/// adapter, and the event types it publishes with the names the event stream gives them.
/// </summary>
internal sealed class ProbeDefinition
{
    private ProbeDefinition(string name, string title, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType,
        Func<ProbeOptions> createOptions, Func<ProbeOptions, ILoggerFactory, Probe> create, Func<Probe, int, IBpfMetricsCollector> collector,
        IReadOnlyDictionary<Type, string> eventTypes)
    {
        Name = name;
        Title = title;
        OptionsType = optionsType;
        CreateOptions = createOptions;
        Create = create;
        CreateCollector = collector;
        EventTypes = eventTypes;
    }

    /// <summary>The section name in the file and the probe's name in /probes and the agent's metrics, such as <c>cpu_sched</c>.</summary>
    public string Name { get; }

    /// <summary>What the probe measures, for logs.</summary>
    public string Title { get; }

    /// <summary>The package's options class, whose settable properties are the section's keys.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)]
    public Type OptionsType { get; }

    /// <summary>A new options object with the package's defaults.</summary>
    public Func<ProbeOptions> CreateOptions { get; }

    /// <summary>A probe with the given options, not started.</summary>
    public Func<ProbeOptions, ILoggerFactory, Probe> Create { get; }

    /// <summary>The probe's Prometheus adapter (created before start, so it sees the first sample), with the bound of per-process series.</summary>
    public Func<Probe, int, IBpfMetricsCollector> CreateCollector { get; }

    /// <summary>The event stream's name of each record type of the probe's <see cref="IEventProbe{TEvent}.Events"/> (<c>off_cpu</c>...).</summary>
    public IReadOnlyDictionary<Type, string> EventTypes { get; }

    /// <summary>Defines a probe of type <typeparamref name="TProbe"/>.</summary>
    /// <param name="name">The section name; the probe's own <see cref="Probe.Name"/>.</param>
    /// <param name="title">What it measures.</param>
    /// <param name="create">The probe's public constructor.</param>
    /// <param name="collector">Its Prometheus adapter's constructor.</param>
    /// <param name="eventTypes">Each record type of its events with the name the event stream gives it.</param>
    public static ProbeDefinition For<TProbe, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        string name,
        string title,
        Func<TOptions, ILogger<TProbe>, TProbe> create,
        Func<TProbe, int, IBpfMetricsCollector> collector,
        params (Type Type, string Name)[] eventTypes)
        where TProbe : Probe<TOptions>
        where TOptions : ProbeOptions, new()
        => new(
            name,
            title,
            typeof(TOptions),
            static () => new TOptions(),
            (options, loggers) => create((TOptions)options, loggers.CreateLogger<TProbe>()),
            (probe, maxProcessSeries) => collector((TProbe)probe, maxProcessSeries),
            eventTypes.ToDictionary(e => e.Type, e => e.Name));
}
