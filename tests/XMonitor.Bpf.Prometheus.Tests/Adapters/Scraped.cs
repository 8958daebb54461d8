using System.Globalization;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>The samples and TYPE lines of a text 0.0.4 scrape, parsed enough to find series by name and labels.</summary>
internal sealed class Scraped
{
    private Scraped(string text, List<ScrapedSample> samples, Dictionary<string, string> types)
    {
        Text = text;
        Samples = samples;
        Types = types;
    }

    public string Text { get; }

    public IReadOnlyList<ScrapedSample> Samples { get; }

    /// <summary>Family name → type, from the <c># TYPE</c> lines.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static Scraped Parse(string text)
    {
        var samples = new List<ScrapedSample>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            var brace = line.IndexOf('{');
            var space = line.LastIndexOf(' ');
            var labels = new Dictionary<string, string>();
            string name;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..close]))
                    labels[pair.Key] = pair.Value;
            }
            else
            {
                name = line[..space];
            }
            samples.Add(new ScrapedSample(name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }
        return new Scraped(text, samples, types);
    }

    public IEnumerable<ScrapedSample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The single sample of a series without labels (or with exactly the given ones).</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
        => Named(name).Single(s => s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value)).Value;

    private static IEnumerable<KeyValuePair<string, string>> SplitLabels(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            var name = text[i..equals];
            var value = new System.Text.StringBuilder();
            var j = equals + 2;
            for (; text[j] != '"'; j++)
            {
                if (text[j] == '\\')
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }
            yield return new(name, value.ToString());
            i = j + 2;
        }
    }
}
