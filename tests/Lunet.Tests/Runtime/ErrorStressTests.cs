using Lunet.Tests.Support;

namespace Lunet.Tests.Runtime;

/// <summary>
/// Errors raised from C# entry points go through the native thunk. A million of
/// them, caught by pcall while another thread forces collections, must neither
/// hang nor crash, and the runtime must work afterwards.
/// </summary>
public class ErrorStressTests
{
    [Fact]
    public void AMillionErrorsUnderGcPressure()
    {
        using var rt = Lua.NewRuntime();
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true);
                Thread.Sleep(1);
            }
        });
        collector.Start();
        try
        {
            var r = rt.DoString("""
                local ffi = require('ffi')
                local add = ffi.open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')
                local caught = 0
                for i = 1, 1000000 do
                  local ok, err
                  if i % 2 == 0 then ok, err = pcall(add, 1, 'x') else ok, err = pcall(ffi.sizeof, 'i33') end
                  if not ok then caught = caught + 1 end
                end
                return caught
                """);
            Assert.Equal(1000000L, r[0]);
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.Equal(42L, rt.DoString("return require('ffi').open(TESTLIB):wrap('i32', 'add', 'i32', 'i32')(40, 2)")[0]);
    }
}
