namespace XMonitor.Deployment.Tests;

/// <summary>
/// Every C# block of the repository's READMEs is compiled: each appears, line for line (indentation
/// aside; a line <c>...</c> in the README stands for code left out), in a C# file the solution
/// builds: a sample's source, or <c>Snippets/</c> here, which exists for the blocks no sample holds.
/// </summary>
public sealed class ReadmeSnippetTests(ITestOutputHelper output)
{
    public static TheoryData<string> Readmes()
    {
        var data = new TheoryData<string>();
        foreach (var readme in Markdown().Where(f => CodeBlocks(f).Any()))
            data.Add(Path.GetRelativePath(Repository.Root, readme));
        return data;
    }

    [Theory]
    [MemberData(nameof(Readmes))]
    public void Every_csharp_block_is_compiled_code(string readme)
    {
        var sources = CompiledSources().Select(f => (Path: f, Lines: Normalize(File.ReadAllLines(f)))).ToList();
        var missing = new List<string>();
        foreach (var (line, block) in CodeBlocks(Path.Combine(Repository.Root, readme)))
        {
            var found = sources.FirstOrDefault(s => Contains(s.Lines, block));
            if (found.Path is null)
                missing.Add($"{readme}:{line}: the block is in no compiled C# file:\n  {string.Join("\n  ", block)}");
            else
                output.WriteLine($"{readme}:{line}: in {Path.GetRelativePath(Repository.Root, found.Path)}");
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void The_check_finds_the_readmes_with_csharp_blocks()
        => Assert.Contains(Path.Combine("src", "XMonitor.Bpf.Probes", "README.md"), Readmes().Select(r => r.Data));

    /// <summary>The Markdown files of the repository, without build output and the kernel matrix's logs.</summary>
    private static IEnumerable<string> Markdown() => Files("*.md");

    /// <summary>The C# files the solution compiles (every .cs file of the repository but build output).</summary>
    private static IEnumerable<string> CompiledSources() => Files("*.cs");

    private static IEnumerable<string> Files(string pattern)
        => Directory.EnumerateFiles(Repository.Root, pattern, SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Repository.Root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "out" or ".git" or "node_modules"));

    /// <summary>Each ```csharp block with the line it starts on, normalized.</summary>
    private static IEnumerable<(int Line, string[] Block)> CodeBlocks(string markdown)
    {
        var lines = File.ReadAllLines(markdown);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() is not ("```csharp" or "```cs" or "```c#"))
                continue;
            var start = i + 1;
            var end = Array.FindIndex(lines, start, l => l.Trim() == "```");
            yield return (start, Normalize(lines[start..end]));
            i = end;
        }
    }

    private static string[] Normalize(IEnumerable<string> lines) => [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0)];

    /// <summary>Whether <paramref name="block"/>'s pieces between "..." lines appear in <paramref name="source"/> in order, each contiguous.</summary>
    private static bool Contains(string[] source, string[] block)
    {
        var at = 0;
        foreach (var piece in Pieces(block))
        {
            var found = -1;
            for (var i = at; i + piece.Length <= source.Length && found < 0; i++)
            {
                if (source.AsSpan(i, piece.Length).SequenceEqual(piece))
                    found = i;
            }
            if (found < 0)
                return false;
            at = found + piece.Length;
        }
        return true;
    }

    private static IEnumerable<string[]> Pieces(string[] block)
    {
        var piece = new List<string>();
        foreach (var line in block)
        {
            if (line == "...")
            {
                if (piece.Count > 0)
                    yield return [.. piece];
                piece.Clear();
            }
            else
            {
                piece.Add(line);
            }
        }
        if (piece.Count > 0)
            yield return [.. piece];
    }
}
