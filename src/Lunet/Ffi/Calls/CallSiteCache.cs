using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Calls;

/// <summary>
/// lib:call's fast path. The key is the identity of the Lua strings passed as the
/// function name, return type and argument types: short Lua strings are interned,
/// so one address means one content while the string lives, and every string a
/// cached entry refers to is anchored in the registry so it lives as long as the
/// entry. Anything else (long strings, a cache past its limit) takes the slow
/// path, which parses the type names.
/// </summary>
internal sealed unsafe class CallSiteCache
{
    const int Limit = 4096;

    sealed class Entry(nint ret, nint[] args, FunctionBinding binding, Entry? next)
    {
        public readonly nint Ret = ret;
        public readonly nint[] Args = args;
        public readonly FunctionBinding Binding = binding;
        public readonly Entry? Next = next;
    }

    readonly Dictionary<nint, Entry> byName = new();
    Entry? last;
    nint lastName;
    int count;

    /// <summary>The cached binding for the call whose name, return type and argument-type table are at 2, 3 and 4.</summary>
    public FunctionBinding? Find(nint L)
    {
        nint name = topointerFast(L, 2);
        Entry? e = lastName == name ? last : byName.GetValueOrDefault(name);
        for (; e != null; e = e.Next)
        {
            if (Matches(L, e))
            {
                last = e;
                lastName = name;
                return e.Binding;
            }
        }
        return null;
    }

    static bool Matches(nint L, Entry e)
    {
        if (topointerFast(L, 3) != e.Ret) return false;
        var args = e.Args;
        if (type(L, 4) != TTABLE) return args.Length == 0 && type(L, 4) == TNIL;
        if ((long)rawlenFast(L, 4) != args.Length) return false;
        for (int i = 0; i < args.Length; i++)
        {
            rawgetiFast(L, 4, i + 1);
            nint p = topointerFast(L, -1);
            settop(L, -2);
            if (p != args[i]) return false;
        }
        return true;
    }

    public bool IsFull => count >= Limit;

    /// <summary>Adds an entry; the caller has anchored the strings at <paramref name="name"/>, <paramref name="ret"/> and <paramref name="args"/>.</summary>
    public void Add(nint name, nint ret, nint[] args, FunctionBinding binding)
    {
        byName[name] = new Entry(ret, args, binding, byName.GetValueOrDefault(name));
        count++;
    }

    public void Clear()
    {
        byName.Clear();
        last = null;
        lastName = 0;
        count = 0;
    }
}
