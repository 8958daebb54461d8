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
    /// by <paramref name="validate"/> when the host starts), a singleton <typeparamref name="TProbe"/>
    /// made by <paramref name="create"/>, and a hosted service that starts the probe with the host
    /// and detaches it when the host stops. Registering the same probe twice registers it once.
    /// </summary>
    public static IServiceCollection AddProbe<TProbe, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        this IServiceCollection services,
        Action<TOptions>? configure,
        Func<TOptions, IReadOnlyList<string>> validate,
        Func<TOptions, ILogger<TProbe>?, TProbe> create)
        where TProbe : class, IHostedProbe
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TOptions>();
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new ProbeOptionsValidator<TOptions>(validate)));
        services.TryAddSingleton(sp => create(sp.GetRequiredService<IOptions<TOptions>>().Value, sp.GetService<ILogger<TProbe>>()));
        services.AddHostedService<ProbeHostedService<TProbe>>();
        return services;
    }
}
