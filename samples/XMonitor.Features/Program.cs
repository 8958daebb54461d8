// Prints what the running kernel offers to eBPF programs, the way `bpftool feature probe` does for
// the features XMonitor.Bpf's probes choose their attach strategy by.
using XMonitor.Bpf;

Console.WriteLine($"kernel {Environment.OSVersion.Version}, {BpfMap.PossibleCpus} possible CPUs");
foreach (var status in KernelFeatures.CheckAll())
{
    var mark = status.Support switch
    {
        FeatureSupport.Supported => "yes",
        FeatureSupport.NotSupported => "no ",
        _ => "?  ",
    };
    Console.WriteLine($"  {mark}  {status.Feature,-17} {status.Reason}");
}
return 0;
