using System.Text.Json;
using System.Text.Json.Serialization;
using Lunet.Ffi.Libraries;
using Lunet.Ffi.Libraries.Exports;

namespace Lunet.Cli;

/// <summary>
/// <c>lunet exports LIB [--json]</c>: the functions a library exports. A LIB that is
/// an existing file is read as it is, without loading it, so a DLL or a Mach-O file
/// can be listed on Linux; any other LIB resolves as ffi.open resolves it (the loader
/// maps it and reports the file). The names print one per line, sorted, or with
/// --json as a JSON array of {name, ordinal?, forwardedTo?}.
/// </summary>
static class ExportsCommand
{
    const string Usage = "usage: lunet exports LIB [--json]";

    public static int Run(string[] args)
    {
        string? lib = null;
        bool json = false;
        foreach (var a in args)
        {
            if (a == "--json") json = true;
            else if (a is "-h" or "--help") { Console.WriteLine(Usage); return 0; }
            else if (a.StartsWith('-') || lib != null) return Fail($"unexpected argument '{a}'\n{Usage}");
            else lib = a;
        }
        if (lib == null) return Fail(Usage);

        IReadOnlyList<ExportInfo> exports;
        try
        {
            if (File.Exists(lib)) exports = ExportReader.Read(lib);
            else
            {
                var loaded = LibraryResolver.Open(lib);
                try { exports = ExportReader.Read(loaded.Path); }
                finally { loaded.Close(); }
            }
        }
        catch (Exception e)
        {
            return Fail(e.Message);
        }

        var sorted = exports.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(sorted.Select(Entry.Of).ToList(), ExportsJson.Default.ListEntry));
        else
            foreach (var e in sorted) Console.WriteLine(e.Name);
        return 0;
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine($"lunet: {message}");
        return 1;
    }

    /// <summary>The JSON shape: absent ordinal / forwardedTo are left out.</summary>
    internal sealed record Entry(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("ordinal")] int? Ordinal,
        [property: JsonPropertyName("forwardedTo")] string? ForwardedTo)
    {
        public static Entry Of(ExportInfo e) => new(e.Name, e.Ordinal, e.ForwardedTo);
    }
}

/// <summary>
/// The serializer for <see cref="ExportsCommand.Entry"/>, generated at build time: reflection-based
/// serialization needs run-time code, which a NativeAOT build of the command does not have.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ExportsCommand.Entry>))]
internal sealed partial class ExportsJson : JsonSerializerContext;
