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
    public static LoadedLibrary Open(string name)
    {
        if (name.Length == 0) throw new LuaException("ffi.open: empty library name");
        if (IsPath(name)) return OpenFile(name, name, Identify(name));
        var tried = new List<string>();
        var messages = new List<string>();
        foreach (var candidate in Candidates(name))
        {
            tried.Add(candidate);
            var handle = DynamicLoader.TryOpen(candidate, out var error);
            if (handle != 0)
                return new LoadedLibrary(name, DynamicLoader.PathOf(handle, candidate) ?? candidate, handle, isProcess: false);
            if (error != null && !messages.Contains(error)) messages.Add(error);
        }
        throw new LuaException(
            $"ffi.open: cannot open library '{name}' (tried {string.Join(", ", tried)}): {string.Join("; ", messages)}");
    }

    /// <summary>
    /// The identity of the file at <paramref name="path"/>, which must be a regular file: a
    /// FIFO would block the loader for ever, a directory or a device is no library.
    /// </summary>
    public static FileIdentity Identify(string path)
    {
        if (!FileIdentity.TryOf(path, out var identity, out var kind, out var error))
            throw new LuaException($"ffi.open: cannot open library '{path}': {error}");
        if (kind != FileIdentity.Kind.Regular)
            throw new LuaException($"ffi.open: '{path}' is not a regular file ({FileIdentity.Describe(kind)})");
        return identity;
    }

    /// <summary>
    /// Loads the file at <paramref name="path"/>, already identified as <paramref name="expected"/>,
    /// and checks that the file the loader reports having mapped is that file (not one put
    /// in its place since).
    /// </summary>
    public static LoadedLibrary OpenFile(string name, string path, FileIdentity expected)
    {
        var handle = DynamicLoader.TryOpen(path, out var error);
        if (handle == 0) throw new LuaException($"ffi.open: cannot open library '{name}' (tried {path}): {error}");
        var mapped = DynamicLoader.PathOf(handle, path) ?? path;
        if (!FileIdentity.TryOf(mapped, out var actual, out _, out _) || actual != expected)
        {
            DynamicLoader.Close(handle);
            throw new LuaException($"ffi.open: library '{name}': the loader mapped '{mapped}', not the file that was checked");
        }
        // The path checked, not the loader's name for the file: that is the first name it was loaded by.
        return new LoadedLibrary(name, path, handle, isProcess: false);
    }

    /// <summary>The file the loader maps for a bare <paramref name="name"/>, found as <see cref="Open"/> finds it; null if none.</summary>
    public static string? Locate(string name)
    {
        foreach (var candidate in Candidates(name))
        {
            var handle = DynamicLoader.TryOpen(candidate, out _);
            if (handle == 0) continue;
            var path = DynamicLoader.PathOf(handle, candidate);
            DynamicLoader.Close(handle);
            return path;
        }
        return null;
    }
}
