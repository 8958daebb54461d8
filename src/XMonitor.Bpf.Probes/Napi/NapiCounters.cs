namespace XMonitor.Bpf.Probes.Napi;

/// <summary>Counters of one NAPI instance's polls.</summary>
/// <param name="Polls">Poll calls (net:napi_poll events).</param>
/// <param name="Work">Packets processed in those polls.</param>
/// <param name="BudgetExhausted">Polls that used their whole budget: more was waiting and the kernel polls again; frequent ones are the sign of overload.</param>
/// <param name="IdlePolls">Polls that found nothing.</param>
public readonly record struct NapiCounters(ulong Polls, ulong Work, ulong BudgetExhausted, ulong IdlePolls)
{
    /// <summary>Packets per poll on average; 0 without polls.</summary>
    public double WorkPerPoll => Polls == 0 ? 0 : (double)Work / Polls;

    /// <summary>What was counted after <paramref name="earlier"/>; these counters as they are when one went down (the kernel's entry was recreated).</summary>
    internal NapiCounters Subtract(NapiCounters earlier)
        => Polls < earlier.Polls || Work < earlier.Work || BudgetExhausted < earlier.BudgetExhausted || IdlePolls < earlier.IdlePolls
            ? this
            : new(Polls - earlier.Polls, Work - earlier.Work, BudgetExhausted - earlier.BudgetExhausted, IdlePolls - earlier.IdlePolls);
}
