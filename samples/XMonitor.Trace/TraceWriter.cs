using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace XMonitor.Trace;

/// <summary>Prints decoded calls as strace-like lines or as JSON lines.</summary>
internal sealed class TraceWriter(TextWriter output, bool json, bool alwaysShowPid)
{
    // The lines are data, not HTML: quotes and '+' stay readable instead of \u0022 and \u002B.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private uint? _firstTid;
    private bool _manyTasks;

    public void Write(DecodedCall call)
    {
        if (json)
            WriteJson(call);
        else
            WriteText(call);
    }

    public void Flush() => output.Flush();

    private void WriteText(DecodedCall call)
    {
        // Like strace -f: the [pid N] prefix appears once a second task shows up.
        _firstTid ??= call.Tid;
        _manyTasks |= _firstTid != call.Tid;
        var line = new StringBuilder();
        if (alwaysShowPid || _manyTasks)
            line.Append(CultureInfo.InvariantCulture, $"[pid {call.Tid,5}] ");
        line.Append(call.Name).Append('(').AppendJoin(", ", call.Args).Append(") = ").Append(call.ReturnText);
        if (call.Returned)
            line.Append(CultureInfo.InvariantCulture, $" <{call.DurationNs / 1e9:F6}>");
        output.WriteLine(line.ToString());
        foreach (var frame in call.KernelStack ?? [])
            output.WriteLine($" > [k] {frame}");
        foreach (var frame in call.UserStack ?? [])
            output.WriteLine($" > [u] {frame}");
    }

    private void WriteJson(DecodedCall call)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("pid", call.Pid);
            w.WriteNumber("tid", call.Tid);
            w.WriteString("comm", call.Comm);
            // A kernel function has no number; its name under its own key keeps consumers from taking it for a syscall.
            if (call.KernelFunction)
                w.WriteString("function", call.Name);
            else
            {
                w.WriteString("syscall", call.Name);
                w.WriteNumber("nr", call.Number);
            }
            w.WriteStartArray("args");
            foreach (var a in call.Args)
                w.WriteStringValue(a);
            w.WriteEndArray();
            w.WriteStartArray("raw_args");
            foreach (var a in call.RawArgs)
                w.WriteNumberValue(a);
            w.WriteEndArray();
            if (call.Returned)
                w.WriteNumber("ret", call.Return);
            else
                w.WriteNull("ret");
            if (call.Errno is { } errno)
                w.WriteString("error", errno);
            w.WriteNumber("start_ns", call.StartNs);
            w.WriteNumber("duration_ns", call.DurationNs);
            WriteFrames(w, "kernel_stack", call.KernelStack);
            WriteFrames(w, "user_stack", call.UserStack);
            w.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteFrames(Utf8JsonWriter w, string name, IReadOnlyList<string>? frames)
    {
        if (frames is null)
            return;
        w.WriteStartArray(name);
        foreach (var f in frames)
            w.WriteStringValue(f);
        w.WriteEndArray();
    }
}
