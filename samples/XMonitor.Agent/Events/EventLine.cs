namespace XMonitor.Agent.Events;

/// <summary>What one event line holds (see <see cref="EventJson"/>).</summary>
/// <param name="Type">The event's type, as in <see cref="AgentEvent.Type"/>.</param>
/// <param name="Probe">The probe's section name.</param>
/// <param name="Time">When the agent received it.</param>
/// <param name="Data">The probe's record, written as its runtime type.</param>
internal sealed record EventLine(string Type, string Probe, DateTimeOffset Time, object Data);
