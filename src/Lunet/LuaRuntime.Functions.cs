using System.Reflection;
using System.Text;
using Lunet.Interop;
using static Lunet.Interop.LuaApi;

namespace Lunet;

// C# delegates as Lua functions.
public sealed unsafe partial class LuaRuntime
{
    /// <summary>
    /// The runtime of a state (any of its threads), by the allocator counters the state carries.
    /// Weak: this table must not keep alive a runtime nobody disposed (its finalizer frees it).
    /// </summary>
    static readonly Dictionary<nint, WeakReference<LuaRuntime>> ByCounters = new();

    internal static LuaRuntime? Of(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null) return null;
        lock (ByCounters) return ByCounters.TryGetValue((nint)c, out var weak) && weak.TryGetTarget(out var runtime) ? runtime : null;
    }

    /// <summary>Registered delegates by id; a closure holds its id (an integer: nothing a script can forge into a pointer).</summary>
    readonly Dictionary<long, HostFunction> hostFunctions = new();
    long nextHostFunction = 1;

    /// <summary>Registered functions running inside a coroutine now (the host API refuses to run Lua then).</summary>
    int hostCallsInCoroutines;

    /// <summary>
    /// Sets the global <paramref name="name"/> to a Lua function that calls <paramref name="function"/>:
    /// <c>lua.RegisterFunction("add", (long a, long b) => a + b)</c>. Parameters may be long, int (and
    /// the other integer types), double, float, bool, string, object, <see cref="LuaTable"/> and
    /// <see cref="LuaFunction"/>; a wrong argument is the script's error ("bad argument #2 to 'add'
    /// (number expected, got string)"). A <see cref="LuaScriptException"/> the delegate throws is
    /// raised in Lua with its message; any other exception raises "host function 'add' failed"
    /// (its text stays with the host: it is the InnerException of the error DoString throws).
    /// Any delegate (a lambda, a method group) can also be assigned: <c>lua["add"] = ...</c>.
    /// </summary>
    public void RegisterFunction(string name, Delegate function)
    {
        ArgumentNullException.ThrowIfNull(function);
        SetGlobal(name, new HostFunction(name, function));
    }

    void PushHostFunction(nint L, HostFunction f)
    {
        long id = nextHostFunction++;
        hostFunctions[id] = f;
        pushinteger(L, id);
        CFunction.Push(L, &CallHostFunction, 1);
    }

    /// <summary>The exception a host function threw last, for the error that reaches the host.</summary>
    (string Message, Exception Error)? lastHostFailure;

    static int CallHostFunction(nint L)
    {
        var runtime = Of(L) ?? throw new LuaException("a host function called from a state of no runtime");
        int ok;
        long id = tointegerx(L, CFunction.Upvalue(1), &ok);
        if (ok == 0 || !runtime.hostFunctions.TryGetValue(id, out var f))
            throw new LuaException("this host function is not registered in this runtime");
        UseScope use;
        try { use = runtime.UseFromLua(); }
        catch (InvalidOperationException e) { throw new LuaException(e.Message); }
        using (use) return f.Invoke(runtime, L);
    }

    /// <summary>A delegate and how to take its arguments from the Lua stack.</summary>
    internal sealed class HostFunction
    {
        readonly string name;
        readonly Delegate target;
        readonly ParameterInfo[] parameters;
        readonly bool returnsValue;

        internal HostFunction(string name, Delegate target)
        {
            this.name = name;
            this.target = target;
            parameters = target.Method.GetParameters();
            foreach (var p in parameters)
                if (!CanConvert(p.ParameterType))
                    throw new ArgumentException($"parameter '{p.Name}' of '{name}' is a {p.ParameterType.Name}, which no Lua value converts to");
            returnsValue = target.Method.ReturnType != typeof(void);
        }

        static bool CanConvert(Type t)
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            return t == typeof(object) || t == typeof(string) || t == typeof(bool) || t == typeof(double) || t == typeof(float)
                || t == typeof(LuaTable) || t == typeof(LuaFunction) || IsInteger(t);
        }

        static bool IsInteger(Type t) =>
            t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(sbyte)
            || t == typeof(ulong) || t == typeof(uint) || t == typeof(ushort) || t == typeof(byte);

        internal int Invoke(LuaRuntime runtime, nint L)
        {
            int given = gettop(L);
            var args = new object?[parameters.Length];
            for (int i = 0; i < parameters.Length; i++) args[i] = Argument(runtime, L, i + 1, given, parameters[i]);
            object? result;
            // Called inside a coroutine, the main thread is in the middle of a resume: the host API is closed until it returns.
            bool inCoroutine = L != runtime.state;
            if (inCoroutine) runtime.hostCallsInCoroutines++;
            try { result = target.DynamicInvoke(args); }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                if (e.InnerException is LuaScriptException se) throw new LuaException(se.Message) { WithPosition = false };
                var message = $"host function '{name}' failed";
                runtime.lastHostFailure = (message, e.InnerException);
                throw new LuaException(message);
            }
            finally { if (inCoroutine) runtime.hostCallsInCoroutines--; }
            if (!returnsValue) return 0;
            LuaOps.EnsureStack(L, 1);
            try { runtime.Push(L, result); }
            catch (ArgumentException) { throw new LuaException($"host function '{name}' returned a {result!.GetType().Name}, which Lua cannot hold"); }
            return 1;
        }

        object? Argument(LuaRuntime runtime, nint L, int arg, int given, ParameterInfo p)
        {
            var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            int lt = type(L, arg);
            if (lt is TNONE or TNIL)
            {
                if (arg > given && p.HasDefaultValue) return p.DefaultValue;
                if (!t.IsValueType || t != p.ParameterType) return null; // object, string, tables, int?...
                if (t == typeof(bool)) return false;
            }
            if (t == typeof(object)) return runtime.ToValue(L, arg);
            if (t == typeof(bool)) return toboolean(L, arg) != 0;
            if (t == typeof(string))
            {
                if (lt is not (TSTRING or TNUMBER)) throw Bad(arg, "string", L);
                nuint len;
                byte* s = tolstring(L, arg, &len);
                return Encoding.UTF8.GetString(s, checked((int)len));
            }
            if (t == typeof(double) || t == typeof(float))
            {
                if (lt != TNUMBER) throw Bad(arg, "number", L);
                int ok; double d = tonumberx(L, arg, &ok);
                return t == typeof(float) ? (float)d : d;
            }
            if (IsInteger(t))
            {
                long v = LuaOps.CheckInteger(L, arg, name);
                try { return Convert.ChangeType(t == typeof(ulong) ? (object)checked((ulong)v) : v, t); }
                catch (Exception e) when (e is OverflowException or InvalidCastException)
                {
                    throw LuaException.BadArgument(arg, name, $"{v} is out of range for {t.Name}");
                }
            }
            if (t == typeof(LuaTable))
            {
                if (lt != TTABLE) throw Bad(arg, "table", L);
                return runtime.ToValue(L, arg);
            }
            if (lt != TFUNCTION) throw Bad(arg, "function", L);
            return runtime.ToValue(L, arg);
        }

        LuaException Bad(int arg, string expected, nint L) =>
            LuaException.BadArgument(arg, name, $"{expected} expected, got {LuaOps.TypeName(L, arg)}");
    }
}
