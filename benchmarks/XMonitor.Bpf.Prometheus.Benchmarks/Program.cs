using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(XMonitor.Bpf.Prometheus.Benchmarks.ScrapeBenchmarks).Assembly).Run(args);
