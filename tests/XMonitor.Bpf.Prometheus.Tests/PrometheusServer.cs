using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>A real Prometheus server on loopback with a temporary config and data directory, killed on dispose.</summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http = new();
    private readonly System.Text.StringBuilder _log = new();

    private PrometheusServer(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port, path /metrics) every second.</summary>
    public static async Task<PrometheusServer> StartAsync(string binary, string target, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("xm-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: xmonitor
                static_configs:
                  - targets: ['{target}']
            """, cancellationToken);
        var port = HostingTests.FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=info",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitAsync(async () =>
        {
            using var ready = await server._http.GetAsync(new Uri(server.Url, "-/ready"), cancellationToken);
            return ready.IsSuccessStatusCode;
        }, "Prometheus to be ready", cancellationToken);
        return server;
    }

    /// <summary>Evaluates an instant query; null while it has no result.</summary>
    public async Task<double?> QueryScalarAsync(string promql, CancellationToken cancellationToken)
    {
        var url = new Uri(Url, "api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, cancellationToken));
        var data = document.RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        if (result.GetArrayLength() == 0)
            return null;
        var text = result[0].GetProperty("value")[1].GetString()!;
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return double.IsNaN(value) ? null : value;
    }

    public async Task<JsonElement> TargetAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Url, "api/v1/targets"), cancellationToken));
        return document.RootElement.GetProperty("data").GetProperty("activeTargets")[0].Clone();
    }

    /// <summary>The metadata Prometheus keeps for <paramref name="metric"/> from its last scrape (type, help, unit).</summary>
    public async Task<JsonElement> MetadataAsync(string metric, CancellationToken cancellationToken)
    {
        var url = new Uri(Url, "api/v1/targets/metadata?metric=" + Uri.EscapeDataString(metric));
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, cancellationToken));
        return document.RootElement.GetProperty("data")[0].Clone();
    }

    public async Task<double> WaitForScalarAsync(string promql, CancellationToken cancellationToken)
    {
        double? value = null;
        await WaitAsync(async () => (value = await QueryScalarAsync(promql, cancellationToken)) is not null, $"a result of {promql}", cancellationToken);
        return value!.Value;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
                Assert.Fail($"Prometheus exited with {_process.ExitCode} while waiting for {what}:\n{Log}");
            try
            {
                if (await condition())
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(250, cancellationToken);
        }
        Assert.Fail($"no {what} within 60 s:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }
}
