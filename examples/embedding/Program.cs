// A host that gives scripts a few C# functions, reads their results back as .NET
// values, captures their output and stops them when they run too long.
using Lunet;

var output = new StringWriter();
using var lua = new LuaRuntime(new LuaRuntimeOptions
{
    Ffi = FfiAccess.Disabled,             // the default, spelled out: scripts reach no native code
    Libraries = LuaLibraries.Sandbox,     // no io, no os but time
    Output = output,                      // print goes here
    InstructionLimit = 10_000_000,        // per host call
    MemoryLimit = 64 << 20,
});

// Values and delegates.
lua["greeting"] = "hello";
lua.RegisterFunction("add", (long a, long b) => a + b);
lua.RegisterFunction("shout", (string s) => s.ToUpperInvariant());
lua.RegisterFunction("fail", new Action(() => throw new InvalidOperationException("not shown to scripts")));

lua.DoString("""
    print(shout(greeting), add(40, 2))
    print(pcall(add, 1, "two"))
    print(pcall(fail))
    """);

// Tables and functions come back as objects that keep the Lua value alive until disposed.
using (var config = (LuaTable)lua.DoString("return { name = 'demo', sizes = { 1, 2, 3 } }")[0]!)
using (var sizes = (LuaTable)config["sizes"]!)
{
    Console.WriteLine($"name = {config["name"]}, sizes = {string.Join(",", sizes.Select(p => p.Value))}");
}
using (var square = (LuaFunction)lua.DoString("return function(x) return x * x end")[0]!)
{
    Console.WriteLine($"square(12) = {square.Call(12)[0]}");
}

// A runaway script stops with a catchable exception, even if it catches the error itself.
try
{
    lua.DoString("while true do pcall(function() while true do end end) end");
}
catch (LuaBudgetExceededException e)
{
    Console.WriteLine($"stopped: {e.Message}");
}

Console.Write("script output:\n" + output);
