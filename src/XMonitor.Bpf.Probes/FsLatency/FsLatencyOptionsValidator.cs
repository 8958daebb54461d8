using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>Runs the probe's own option checks in the Options pipeline, so a host fails at start with <see cref="OptionsValidationException"/>.</summary>
internal sealed class FsLatencyOptionsValidator : IValidateOptions<FsLatencyOptions>
{
    public ValidateOptionsResult Validate(string? name, FsLatencyOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
