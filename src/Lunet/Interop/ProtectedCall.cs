using static Lunet.Interop.LuaApi;

namespace Lunet.Interop;

/// <summary>
/// Keeps the allocator's "C# is on the stack" count (<see cref="Allocator.Counters.ManagedDepth"/>)
/// right: C# raises it while it runs on a state, and every lua_pcall that C# makes goes
/// through <see cref="Call"/>, which sets it to 0 for the Lua code the call runs (there
/// a failed allocation unwinds to the pcall, not across C#) and restores it afterwards.
/// </summary>
internal static unsafe class ProtectedCall
{
    /// <summary>lua_pcall with the memory limit in force for the code it runs.</summary>
    public static int Call(nint L, int nargs, int nresults, int messageHandler)
    {
        var c = Allocator.Of(L);
        if (c == null) return pcallk(L, nargs, nresults, messageHandler, 0, 0); // a state not made by LuaRuntime
        long saved = c->ManagedDepth;
        c->ManagedDepth = 0;
        int status = pcallk(L, nargs, nresults, messageHandler, 0, 0);
        c->ManagedDepth = saved;
        return status;
    }

    /// <summary>Marks C# as running on the state until disposed: <c>using var _ = ProtectedCall.Enter(L);</c></summary>
    public static ManagedFrame Enter(nint L)
    {
        var c = Allocator.Of(L);
        if (c != null) c->ManagedDepth++;
        return new ManagedFrame(c);
    }

    public readonly ref struct ManagedFrame
    {
        readonly Allocator.Counters* counters;
        internal ManagedFrame(Allocator.Counters* c) => counters = c;
        public void Dispose()
        {
            if (counters != null) counters->ManagedDepth--;
        }
    }
}
