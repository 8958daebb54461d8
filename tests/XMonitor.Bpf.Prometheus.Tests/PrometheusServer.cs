using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>
/// A real Prometheus server (Debian package prometheus) on loopback with a temporary config and
/// data directory, scraping one target every second; killed on dispose, and when it fails to
/// start. Self-contained with <see cref="LoopbackPort"/> and <see cref="Tool"/> so that other test
/// projects (the agent's) can link the three files and point it at their own endpoint.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    /// <summary>How long to wait for readiness or for a query to have a result: generous, for a loaded 2-core VM.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

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

    /// <summary>The server's base URL (http://127.0.0.1:PORT/).</summary>
    public Uri Url { get; }

    /// <summary>What the server wrote to stdout and stderr so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>
    /// Starts Prometheus scraping <paramref name="target"/> (host:port) at <paramref name="metricsPath"/>
    /// every second under job <c>xmonitor</c>, and waits until it is ready.
    /// </summary>
    /// <param name="binary">The prometheus binary (<c>Tool.Require("/usr/bin/prometheus")</c>).</param>
    /// <param name="target">The endpoint to scrape, <c>127.0.0.1:PORT</c>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="metricsPath">The path of the endpoint.</param>
    public static async Task<PrometheusServer> StartAsync(string binary, string target, CancellationToken cancellationToken, string metricsPath = "/metrics")
    {
        var directory = Directory.CreateTempSubdirectory("xm-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: xmonitor
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ['{target}']
            """, cancellationToken);
        var port = LoopbackPort.Free();
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
        try
        {
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server.WaitAsync(async () =>
            {
                using var ready = await server._http.GetAsync(new Uri(server.Url, "-/ready"), cancellationToken);
                return ready.IsSuccessStatusCode;
            }, () => "Prometheus to be ready", cancellationToken);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Evaluates an instant query now, or at <paramref name="time"/>; null while it has no result (or a NaN one).</summary>
    public async Task<double?> QueryScalarAsync(string promql, CancellationToken cancellationToken, DateTimeOffset? time = null)
    {
        var data = await QueryAsync(promql, time, cancellationToken);
        var result = data.GetProperty("result");
        if (data.GetProperty("resultType").GetString() == "scalar")
            return Parse(result[1].GetString()!);
        if (result.GetArrayLength() == 0)
            return null;
        return Parse(result[0].GetProperty("value")[1].GetString()!);
    }

    /// <summary>
    /// The raw samples of the first series of a range selector (<c>metric[30s]</c>) evaluated at
    /// <paramref name="time"/>: the scrapes that a function over that range sees, with their times.
    /// </summary>
    public async Task<IReadOnlyList<(DateTimeOffset Time, double Value)>> SamplesAsync(string rangeSelector, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var data = await QueryAsync(rangeSelector, time, cancellationToken);
        var result = data.GetProperty("result");
        if (result.GetArrayLength() == 0)
            return [];
        return result[0].GetProperty("values").EnumerateArray()
            .Select(v => (DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(v[0].GetDouble() * 1000)), double.Parse(v[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToArray();
    }

    /// <summary>Evaluates <paramref name="promql"/> (an instant query) and returns the API's <c>data</c>.</summary>
    public async Task<JsonElement> QueryAsync(string promql, DateTimeOffset? time, CancellationToken cancellationToken)
    {
        var query = "api/v1/query?query=" + Uri.EscapeDataString(promql);
        if (time is { } t)
            query += "&time=" + (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Url, query), cancellationToken));
        return document.RootElement.GetProperty("data").Clone();
    }

    /// <summary>The scrape target's state as the targets API shows it (health, lastError, lastScrape...).</summary>
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

    /// <summary>Polls <paramref name="promql"/> until it has a result that <paramref name="accept"/> (default: any) takes; fails after <see cref="Patience"/>.</summary>
    public async Task<double> WaitForScalarAsync(string promql, CancellationToken cancellationToken, Func<double, bool>? accept = null)
    {
        double? value = null;
        await WaitAsync(async () => (value = await QueryScalarAsync(promql, cancellationToken)) is { } v && (accept?.Invoke(v) ?? true), () => $"a result of {promql} (last: {value?.ToString(CultureInfo.InvariantCulture) ?? "none"})", cancellationToken);
        return value!.Value;
    }

    /// <summary>Kills the server and removes its directory.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        finally
        {
            _process.Dispose();
            _http.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static double? Parse(string text)
    {
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return double.IsNaN(value) ? null : value;
    }

    private async Task WaitAsync(Func<Task<bool>> condition, Func<string> what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Patience)
        {
            if (_process.HasExited)
                Assert.Fail($"Prometheus exited with {_process.ExitCode} while waiting for {what()}:\n{Log}");
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
        Assert.Fail($"no {what()} within {Patience.TotalSeconds} s:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }
}
