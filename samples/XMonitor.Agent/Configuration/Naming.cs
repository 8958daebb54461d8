using System.Text;

namespace XMonitor.Agent.Configuration;

/// <summary>How the file names what the options classes name: <c>OffCpuThreshold</c> is <c>off_cpu_threshold</c>.</summary>
internal static class Naming
{
    public static string SnakeCase(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1])))
                text.Append('_');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
