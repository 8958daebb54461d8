// xmon-execsnoop [--uid UID]: prints every exec until Ctrl-C, through the skeleton the build
// generated from execsnoop.bpf.c (ExecsnoopSkeleton, ExecsnoopSkeleton.ExecEvent).
using XMonitor.ExecSnoop;

var uid = args.Length == 2 && args[0] == "--uid" ? uint.Parse(args[1]) : uint.MaxValue;

using var open = ExecsnoopSkeleton.Open();           // generated from execsnoop.bpf.o
open.TargetUid = uid;                                // typed .rodata, before load only
using var skeleton = open.Load();
using var link = skeleton.OnExecProgram.Attach();
using var events = skeleton.OpenEventsReader();      // BpfRingBuffer<ExecsnoopSkeleton.ExecEvent>

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

Console.WriteLine($"{"PCOMM",-16} {"PID",7} {"PPID",7} {"UID",5} FILENAME");
try
{
    await events.RunAsync((ref readonly ExecsnoopSkeleton.ExecEvent e) =>
        Console.WriteLine($"{e.Comm,-16} {e.Pid,7} {e.Ppid,7} {e.Uid,5} {e.Filename}"), stop.Token);
}
catch (OperationCanceledException)
{
}
