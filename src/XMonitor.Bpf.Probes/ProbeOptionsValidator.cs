using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes;

/// <summary>Runs a probe's own option checks in the Options pipeline, so a host fails at start with <see cref="OptionsValidationException"/>.</summary>
internal sealed class ProbeOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ProbeOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
