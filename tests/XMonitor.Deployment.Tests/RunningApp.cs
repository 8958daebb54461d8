using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace XMonitor.Deployment.Tests;

/// <summary>
/// An application the test started (<c>dotnet APP.dll --urls http://127.0.0.1:PORT</c>), its output
/// kept for failure messages, stopped with SIGTERM as a service manager stops it.
/// </summary>
internal sealed partial class RunningApp : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RunningApp(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The app's base address.</summary>
    public Uri Url { get; }

    /// <summary>What the app wrote to standard output and standard error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Starts <paramref name="assembly"/> on a free loopback port.</summary>
    public static RunningApp Start(string assembly)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        var start = new ProcessStartInfo("dotnet", [assembly, "--urls", url.ToString().TrimEnd('/')])
        {
            WorkingDirectory = Path.GetDirectoryName(assembly),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var app = new RunningApp(Process.Start(start)!, url);
        app._process.OutputDataReceived += (_, e) => app.Append(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Waits until <paramref name="path"/> answers 200, or fails with the app's output.</summary>
    public async Task WaitUntilServingAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"the app exited with {(_process.HasExited ? _process.ExitCode : 0)} before serving:\n{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(Url, path), TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"the app did not serve {path} within {timeout}:\n{Output}");
    }

    /// <summary>
    /// The ids of the BPF programs the app holds: every program and link descriptor's
    /// <c>prog_id</c> in /proc/PID/fdinfo, the same table <c>bpftool prog show</c> reads pids from.
    /// </summary>
    public HashSet<uint> ProgramIds()
    {
        var ids = new HashSet<uint>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{_process.Id}/fdinfo"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(fd);
            }
            catch (IOException)
            {
                continue; // closed while we listed the table
            }
            foreach (var line in lines)
            {
                if (line.StartsWith("prog_id:", StringComparison.Ordinal))
                    ids.Add(uint.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture));
            }
        }
        return ids;
    }

    /// <summary>Sends SIGTERM and returns the exit code, or fails when the app is still running after <paramref name="timeout"/>.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        Assert.Equal(0, Kill(_process.Id, SigTerm));
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the app did not exit within {timeout} of SIGTERM:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Kills the app if a failed test left it running.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
