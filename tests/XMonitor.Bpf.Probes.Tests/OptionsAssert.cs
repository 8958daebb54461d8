using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Bad options are refused before anything is loaded: by a probe's Start, and by a host at its start.</summary>
internal static class OptionsAssert
{
    /// <summary><paramref name="start"/> throws the <see cref="ArgumentException"/> of the "options" parameter, its message containing <paramref name="expected"/>.</summary>
    public static ArgumentException StartRefuses(Action start, string expected)
    {
        var e = Assert.Throws<ArgumentException>(start);
        Assert.Equal("options", e.ParamName);
        Assert.Contains(expected, e.Message);
        return e;
    }

    /// <summary>A host with the services <paramref name="register"/> adds fails to start with an <see cref="OptionsValidationException"/> containing <paramref name="expected"/>.</summary>
    public static async Task HostRefusesAsync(Action<IServiceCollection> register, string expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        register(builder.Services);
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(expected, e.Message);
    }
}
