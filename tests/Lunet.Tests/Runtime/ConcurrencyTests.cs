using Lunet.Tests.Support;

namespace Lunet.Tests.Runtime;

/// <summary>
/// Runtimes on different threads share the compiled stubs. Compiling a new stub on
/// one thread must never disturb code another thread is running (stub memory is
/// never made writable again once it holds code).
/// </summary>
public class ConcurrencyTests
{
    [Fact]
    public void RuntimesOnManyThreadsCompileAndCallStubsAtOnce()
    {
        var types = new[] { "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64", "pointer", "bool" };
        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                using var rt = Lua.NewRuntime();
                rt.DoString("ffi = require('ffi'); lib = ffi.open(TESTLIB); add = lib:wrap('i32', 'add', 'i32', 'i32')");
                for (int i = 0; i < 120; i++)
                {
                    // A signature no thread has used yet (mostly): compiled while the others call theirs.
                    var a = types[(i + t * 5) % types.Length];
                    var b = types[(i / types.Length + t) % types.Length];
                    var c = types[(i * 7 + t) % types.Length];
                    rt.DoString($"local f = lib:wrap('i32', 'add', '{a}', '{b}', '{c}', 'i32'); " +
                                "for k = 1, 2000 do assert(add(k, 1) == k + 1 and ffi.sizeof('int') == 4) end");
                }
            }
            catch (Exception e)
            {
                lock (errors) errors.Add(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
    }
}
