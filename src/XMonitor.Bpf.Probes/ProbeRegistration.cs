using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes;

/// <summary>The registration every probe's <c>AddXxxProbe</c> makes.</summary>
internal static class ProbeRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/> (configured by <paramref name="configure"/>, checked
    /// when the host starts), a singleton <typeparamref name="TProbe"/> made by
    /// <paramref name="create"/> and also served as a <see cref="Probe"/> (for health checks and
    /// whoever lists the host's probes), and a hosted service that starts the probe with the host and
    /// detaches it when the host stops. Registering the same probe twice registers it once.
    /// </summary>
    public static IServiceCollection AddProbe<TProbe, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        this IServiceCollection services,
        Action<TOptions>? configure,
        Func<TOptions, ILogger<TProbe>?, TProbe> create)
        where TProbe : Probe<TOptions>
        where TOptions : ProbeOptions
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TOptions>();
        if (configure is not null)
            options.Configure(configure);
        if (services.Any(d => d.ServiceType == typeof(TProbe)))
            return services;
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, ProbeOptionsValidator<TOptions>>();
        services.AddSingleton(sp => create(sp.GetRequiredService<IOptions<TOptions>>().Value, sp.GetService<ILogger<TProbe>>()));
        services.AddSingleton<Probe>(sp => sp.GetRequiredService<TProbe>());
        services.AddHostedService<ProbeHostedService<TProbe>>();
        services.AddOptions<ProbeHostingOptions>();
        return services;
    }
}
