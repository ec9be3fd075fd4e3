using System.Runtime.CompilerServices;
using Lunet.Ffi.Types;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet.Ffi.Memory;

/// <summary>
/// Type-name strings → C types for Buffer:read/write without parsing per call. The
/// key is the address of the Lua string (lua_topointer): short Lua strings are
/// interned, so one address means one content while the string lives, and every
/// cached string is anchored (<see cref="InternedStrings"/>) so it lives as long
/// as its entry. Only names whose meaning cannot change are cached: types are
/// interned per runtime and a declared name is never redefined, so every name but
/// one reaching an undeclared name ("FILE*", see <see cref="TypeRegistry.IsSettled"/>). Long strings and a full cache take
/// the slow path; nothing here allocates on a hit.
/// </summary>
internal sealed unsafe class BufferTypeCache
{
    const int Limit = 4096;

    readonly Dictionary<nint, CType> byString = new();

    /// <summary>The native type table in the Buffer state block (<see cref="BufferNative"/>), or 0 without native code.</summary>
    public nint NativeTypes;
    nint lastKey;
    CType? lastType;

    /// <summary>The type named by the string at idx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CType Resolve(nint L, int idx, int arg, string function)
    {
        if (type(L, idx) == TSTRING)
        {
            nint key = topointerFast(L, idx);
            if (key == lastKey && lastType != null) return lastType;
            if (byString.TryGetValue(key, out var t))
            {
                // The native table is direct-mapped: a name evicted by another comes back here, so put it back.
                BufferNative.Publish(NativeTypes, key, t);
                lastKey = key;
                lastType = t;
                return t;
            }
        }
        return Miss(L, idx, arg, function);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    CType Miss(nint L, int idx, int arg, string function)
    {
        var name = FfiLimits.Name(L, idx, arg, function, "type name", "type name");
        var t = FfiContext.Of(L).Types.Resolve(name);
        if (byString.Count < Limit && InternedStrings.IsShort(L, idx) && TypeRegistry.IsSettled(t))
        {
            InternedStrings.Anchor(L, idx);
            nint key = topointer(L, idx);
            byString[key] = t;
            BufferNative.Publish(NativeTypes, key, t);
            lastKey = key;
            lastType = t;
        }
        return t;
    }
}
