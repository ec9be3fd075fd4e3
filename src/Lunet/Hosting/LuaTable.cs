using System.Collections;

namespace Lunet;

/// <summary>
/// A Lua table handed to C#. The indexer reads and writes as Lua code does (<c>t[k]</c>,
/// metamethods included, in a protected call); enumeration is raw, as <c>next</c> walks it.
/// </summary>
public sealed class LuaTable : LuaReference, IEnumerable<KeyValuePair<object, object?>>
{
    internal LuaTable(LuaRuntime runtime, int reference) : base(runtime, reference) { }

    /// <summary><c>t[key]</c>; setting null stores nil (removes the key).</summary>
    public object? this[object key]
    {
        get => Runtime.GetTableValue(this, key);
        set => Runtime.SetTableValue(this, key, value);
    }

    /// <summary>The pairs <c>next</c> gives, one protected call each; don't add keys while enumerating (as in Lua).</summary>
    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => Runtime.EnumerateTable(this);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "table";
}
