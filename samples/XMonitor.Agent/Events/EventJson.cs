using System.Text.Json;
using System.Text.Json.Serialization;
using XMonitor.Agent.Http;
using XMonitor.Agent.Probes;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Agent.Events;

/// <summary>
/// The JSON form shared by the event log, the event file, /events and /probes: snake case, enums by
/// name in snake case. Source-generated (no reflection at run time, so the agent also runs as a
/// Native AOT binary): every type written is listed here, each probe's event record included, since
/// an event's data is written as the runtime type it has.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters =
    [
        typeof(SnakeCaseEnumConverter<ProbeState>), typeof(SnakeCaseEnumConverter<TaskState>), typeof(SnakeCaseEnumConverter<ProcessVmOperation>),
        typeof(SnakeCaseEnumConverter<ProcessVmKind>), typeof(SnakeCaseEnumConverter<OomConstraint>), typeof(SnakeCaseEnumConverter<OomKillEventSources>),
        typeof(SnakeCaseEnumConverter<BlockIoOperation>), typeof(SnakeCaseEnumConverter<FsOperation>),
    ])]
[JsonSerializable(typeof(EventLine))]
[JsonSerializable(typeof(ProbesDocument))]
[JsonSerializable(typeof(OffCpuEvent))]
[JsonSerializable(typeof(HungTaskEvent))]
[JsonSerializable(typeof(ProcessVmEvent))]
[JsonSerializable(typeof(OomKillEvent))]
[JsonSerializable(typeof(SlowBlockIoEvent))]
[JsonSerializable(typeof(SlowFsOperationEvent))]
internal sealed partial class EventJson : JsonSerializerContext
{
    /// <summary>One line of JSON: the event with its data serialized as the runtime type it has.</summary>
    public static string Line(AgentEvent e) => JsonSerializer.Serialize(new EventLine(e.Type, e.Probe, e.Time, e.Data), Default.EventLine);
}
