namespace XMonitor.Agent.Events;

/// <summary>One event of a probe, as every consumer (log, file, /events) receives it.</summary>
/// <param name="Type">What happened: <c>off_cpu</c>, <c>hung_task</c>, <c>oom_kill</c>, <c>vm_allocation</c>, <c>slow_block_io</c>, <c>slow_fs_operation</c>.</param>
/// <param name="Probe">The section name of the probe that saw it.</param>
/// <param name="Time">When the agent received it.</param>
/// <param name="Data">The probe's own record (for example <c>OffCpuEvent</c>), serialized with its property names in snake case.</param>
internal sealed record AgentEvent(string Type, string Probe, DateTimeOffset Time, object Data);
