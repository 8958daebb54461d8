using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes.Napi;

/// <summary>Runs the probe's own option checks in the Options pipeline, so a host fails at start with <see cref="OptionsValidationException"/>.</summary>
internal sealed class NapiOptionsValidator : IValidateOptions<NapiOptions>
{
    public ValidateOptionsResult Validate(string? name, NapiOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
