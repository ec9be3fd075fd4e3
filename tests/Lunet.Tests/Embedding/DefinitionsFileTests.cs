using System.Text.RegularExpressions;
using Lunet.Tests.Support;

namespace Lunet.Tests.Embedding;

/// <summary>types/ffi.meta.lua (the LuaLS definitions) compiles as Lua and declares exactly what the ffi module has.</summary>
public partial class DefinitionsFileTests
{
    static readonly string FilePath = Path.Combine(NativeBuild.RepoRoot, "types", "ffi.meta.lua");

    /// <summary>Names the file declares per class: "function ffi.x(", "ffi.x =", "---@field x", "function Local:x(".</summary>
    static Dictionary<string, SortedSet<string>> Declared()
    {
        var byClass = new Dictionary<string, SortedSet<string>>();
        var localToClass = new Dictionary<string, string> { ["ffi"] = "ffi" };
        string? current = null;
        SortedSet<string> Of(string c) => byClass.TryGetValue(c, out var s) ? s : byClass[c] = new();
        foreach (var line in File.ReadLines(FilePath))
        {
            if (ClassLine().Match(line) is { Success: true } c) { current = c.Groups[1].Value; Of(current); continue; }
            if (FieldLine().Match(line) is { Success: true } f && current != null) { Of(current).Add(f.Groups[1].Value); continue; }
            if (LocalLine().Match(line) is { Success: true } l && current != null) { localToClass[l.Groups[1].Value] = current; continue; }
            if (MemberLine().Match(line) is { Success: true } m && localToClass.TryGetValue(m.Groups[1].Value, out var owner))
                Of(owner).Add(m.Groups[2].Value);
        }
        return byClass;
    }

    [Fact]
    public void CompilesAsLua()
    {
        using var rt = new LuaRuntime();
        Assert.Null(rt.Compile(File.ReadAllText(FilePath), "@ffi.meta.lua", out _));
        Assert.StartsWith("---@meta", File.ReadLines(FilePath).First());
    }

    [Fact]
    public void DeclaresEveryNameOfTheModuleAndItsObjects()
    {
        var declared = Declared();
        using var rt = new LuaRuntime(Lua.FullFfi);
        var names = (string)rt.DoString("""
            local ffi = require("ffi")
            local _ = ffi.C -- made on first use
            local function keys(t, into) for k in pairs(t) do into[#into + 1] = k end return into end
            local lib = ffi.open("m")
            local module = keys(ffi, {})
            local library = keys(debug.getmetatable(lib).__index, keys(lib, {}))
            table.sort(module) table.sort(library)
            return table.concat(module, " ") .. "\n" .. table.concat(library, " ")
            """)[0]!;
        var lines = names.Split('\n');
        Assert.Equal(lines[0].Split(' ').Order(StringComparer.Ordinal), declared["ffi"].Order(StringComparer.Ordinal));
        Assert.Equal(lines[1].Split(' ').Order(StringComparer.Ordinal), declared["ffi.NativeLibrary"].Order(StringComparer.Ordinal));
        // A Buffer's members come from a function (__index): each declared one must be there.
        Assert.NotEmpty(declared["ffi.Buffer"]);
        foreach (var member in declared["ffi.Buffer"])
            Assert.True((bool)rt.DoString($"return require('ffi').buffer(8).{member} ~= nil")[0]!, $"Buffer has no '{member}'");
        // So do an Arena's.
        Assert.NotEmpty(declared["ffi.Arena"]);
        foreach (var member in declared["ffi.Arena"])
            Assert.True((bool)rt.DoString($"return require('ffi').arena().{member} ~= nil")[0]!, $"Arena has no '{member}'");
    }

    [GeneratedRegex(@"^---@class ([\w.]+)")] private static partial Regex ClassLine();
    [GeneratedRegex(@"^---@field (\w+)")] private static partial Regex FieldLine();
    [GeneratedRegex(@"^local (\w+) = \{\}")] private static partial Regex LocalLine();
    [GeneratedRegex(@"^(?:function )?(\w+)[.:](\w+)(?:\(| =)")] private static partial Regex MemberLine();
}
