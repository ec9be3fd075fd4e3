using Lunet.Interop;

namespace Lunet.Ffi.Types;

/// <summary>
/// One runtime's type names: the built-ins plus the names its declarations
/// define. Parsed type strings are cached, so a name is parsed once; the cache is
/// keyed by strings scripts choose, so it is emptied when it reaches <see cref="CacheLimit"/>.
/// </summary>
public sealed class TypeRegistry
{
    /// <summary>Parsed names kept at most (a script looping over distinct names must not grow memory without end).</summary>
    public const int CacheLimit = 4096;

    readonly Dictionary<string, CType> parsed = new(StringComparer.Ordinal);

    /// <summary>How many parsed names are cached now.</summary>
    public int CachedCount => parsed.Count;
    readonly Dictionary<string, CType> named = new(StringComparer.Ordinal);

    /// <summary>The type a string names; a Lua error "unknown C type 'x'" if none.</summary>
    public CType Resolve(string text) =>
        TryResolve(text) ?? throw new LuaException($"unknown C type '{text}'");

    public CType? TryResolve(string text)
    {
        if (parsed.TryGetValue(text, out var t)) return t;
        FfiLimits.CheckTypeName(text);
        t = TypeNames.Parse(text, Lookup);
        if (t == null) return null;
        if (parsed.Count >= CacheLimit) parsed.Clear();
        parsed[text] = t;
        return t;
    }

    /// <summary>Registers a declared name ("Color", "struct Color").</summary>
    public void Define(string name, CType type)
    {
        named[name] = type;
        parsed.Clear();
    }

    CType? Lookup(string name) => named.TryGetValue(name, out var t) ? t : null;
}
