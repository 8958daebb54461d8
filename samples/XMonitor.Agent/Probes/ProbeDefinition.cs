using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace XMonitor.Agent.Probes;

/// <summary>A probe the agent knows: its section name, its options class and how to make one.</summary>
internal sealed class ProbeDefinition
{
    private readonly Func<object, ILoggerFactory, IProbeHandle> _create;
    private readonly Func<object, IReadOnlyList<string>> _validate;

    private ProbeDefinition(string name, string title, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType, Func<object> createOptions, Func<object, IReadOnlyList<string>> validate, Func<object, ILoggerFactory, IProbeHandle> create)
    {
        Name = name;
        Title = title;
        OptionsType = optionsType;
        CreateOptions = createOptions;
        _validate = validate;
        _create = create;
    }

    /// <summary>The section name in the file and the probe's name in /probes and the agent's metrics, such as <c>cpu_sched</c>.</summary>
    public string Name { get; }

    /// <summary>What the probe measures, for logs.</summary>
    public string Title { get; }

    /// <summary>The package's options class, whose settable properties are the section's keys.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)]
    public Type OptionsType { get; }

    /// <summary>A new options object with the package's defaults.</summary>
    public Func<object> CreateOptions { get; }

    /// <summary>The package's own option checks (its <c>IValidateOptions</c>); each problem starts with the option's property name.</summary>
    public IReadOnlyList<string> Validate(object options) => _validate(options);

    /// <summary>A probe object with <paramref name="options"/>, not started.</summary>
    public IProbeHandle Create(object options, ILoggerFactory loggers) => _create(options, loggers);

    /// <summary>Defines a probe of type <typeparamref name="TProbe"/>.</summary>
    /// <param name="name">The section name.</param>
    /// <param name="title">What it measures.</param>
    /// <param name="register">The package's DI registration, whose validator checks the options.</param>
    /// <param name="construct">The probe's public constructor.</param>
    /// <param name="functions">The rest of what the agent uses of it.</param>
    public static ProbeDefinition For<TProbe, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        string name,
        string title,
        Func<IServiceCollection, IServiceCollection> register,
        Func<TOptions, ILoggerFactory, TProbe> construct,
        ProbeFunctions<TProbe> functions)
        where TProbe : IAsyncDisposable
        where TOptions : class, new()
        => new(
            name,
            title,
            typeof(TOptions),
            static () => new TOptions(),
            options => ValidateWith(register, (TOptions)options),
            (options, loggers) => new ProbeHandle<TProbe>(construct((TOptions)options, loggers), functions));

    /// <summary>
    /// Runs the validators the package registers for <typeparamref name="TOptions"/>: the same checks
    /// its probe runs in <c>Start</c>, reached through the public DI registration.
    /// </summary>
    private static IReadOnlyList<string> ValidateWith<TOptions>(Func<IServiceCollection, IServiceCollection> register, TOptions options)
        where TOptions : class
    {
        var services = new ServiceCollection();
        register(services);
        using var provider = services.BuildServiceProvider();
        var errors = new List<string>();
        foreach (var validator in provider.GetServices<IValidateOptions<TOptions>>())
        {
            var result = validator.Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
            if (result.Failed)
                errors.AddRange(result.Failures ?? [result.FailureMessage]);
        }
        return errors;
    }
}
