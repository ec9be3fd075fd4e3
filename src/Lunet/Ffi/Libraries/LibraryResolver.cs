using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// ffi.open's search: a name with a path separator is a path; otherwise the name
/// as the system loader takes it, then with the platform's prefix and suffix
/// (z → libz.so), then the versioned names the library cache knows (libz.so.1).
/// </summary>
internal static class LibraryResolver
{
    static string Suffix => OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";
    static string Prefix => OperatingSystem.IsWindows() ? "" : "lib";

    public static bool IsPath(string name) => name.Contains('/') || name.Contains('\\');

    /// <summary>The names to try, in order.</summary>
    public static List<string> Candidates(string name)
    {
        var list = new List<string> { name };
        if (IsPath(name)) return list;
        var withPrefix = name.StartsWith(Prefix, StringComparison.Ordinal) ? name : Prefix + name;
        var full = withPrefix.EndsWith(Suffix, StringComparison.Ordinal) || withPrefix.Contains(Suffix + ".")
            ? withPrefix : withPrefix + Suffix;
        Add(list, full);
        if (OperatingSystem.IsLinux())
            foreach (var v in LdSoCache.NamesStartingWith(full + ".")) Add(list, v);
        return list;
    }

    static void Add(List<string> list, string n)
    {
        if (!list.Contains(n)) list.Add(n);
    }

    /// <summary>Opens <paramref name="name"/> by the search above, or throws a Lua error listing every name tried.</summary>
    public static LoadedLibrary Open(string name, Func<string, bool>? allowed = null)
    {
        if (name.Length == 0) throw new LuaException("ffi.open: empty library name");
        var tried = new List<string>();
        var messages = new List<string>();
        foreach (var candidate in Candidates(name))
        {
            if (allowed != null && !allowed(candidate)) continue;
            tried.Add(candidate);
            var handle = DynamicLoader.TryOpen(candidate, out var error);
            if (handle != 0)
                return new LoadedLibrary(name, DynamicLoader.PathOf(handle, candidate) ?? candidate, handle, isProcess: false);
            if (error != null && !messages.Contains(error)) messages.Add(error);
        }
        if (allowed != null && tried.Count == 0)
            throw new LuaException($"ffi.open: library '{name}' is not allowed by this runtime's ffi policy");
        throw new LuaException(
            $"ffi.open: cannot open library '{name}' (tried {string.Join(", ", tried)}): {string.Join("; ", messages)}");
    }
}
