namespace Lunet.Tests.Callbacks;

/// <summary>Callbacks called from pthreads: never run there; reported, or queued for the runtime's thread.</summary>
public class CallbackThreadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const string Wrap = """
        local start = lib:wrap('i32', 'start_threads', 'pointer', 'i32', 'i32')
        local join = lib:wrap('i64', 'join_threads')
        local returned = lib:wrap('i64', 'thread_return_sum')
        local busy = lib:wrap('i32', 'busy', 'i32')
        local note = lib:wrap('void', 'note')
        local notes = lib:wrap('i64', 'notes_taken')
        local offMain = lib:wrap('i64', 'notes_off_main')
        lib:call('reset_notes', 'void', {})
        """;

    [Fact]
    public void AForeignThreadCallReturnsZeroAndTheNextCallRaises()
    {
        var r = (string)CallbackLib.Eval(Wrap + """
            local cb = ffi.callback(function(x) note(); return 1 end, 'i32', {'i32'})
            local raised = 0
            local function try(f, ...)
              local ok, err = pcall(f, ...)
              if not ok then assert(err:find('called from a foreign thread', 1, true), err); raised = raised + 1 end
            end
            try(start, cb, 4, 2000)
            for i = 1, 20000 do try(busy, i) end
            try(join)
            try(busy, 1)       -- whatever the loop did not see is raised now
            try(busy, 1)
            return table.concat({lib:call('thread_calls_made', 'i64', {}), returned(), notes(), offMain(), tostring(raised > 0)}, '|')
            """)!;
        Assert.Equal("8000|0|0|0|true", r);
    }

    /// <summary>
    /// A thread queueing calls faster than Lua runs them: each ffi call runs what was queued when its
    /// drain began and returns; the rest wait for the next call (or ffi.poll).
    /// </summary>
    [Fact]
    public void AQueueFilledFasterThanLuaDrainsItNeverHoldsACallHostage()
    {
        using var rt = CallbackLib.NewRuntime();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = rt.DoString(CallbackLib.Open + """
            local busy = lib:wrap('i32', 'busy', 'i32')
            local ran, stopping = 0, false
            local cb = ffi.callback(function(x)
              if stopping then return 0 end
              ran = ran + 1
              local s = 0
              for i = 1, 100 do s = s + i end   -- slower than the thread that queues it
              return 1
            end, 'i32', {'i32'}, { threads = 'queue' })
            -- a queue that overflows reports the calls it refused, as in "error" mode
            local function call(f, ...)
              local ok, err = pcall(f, ...)
              assert(ok or err:find('called from a foreign thread', 1, true), err)
            end
            -- the thread stops by itself after 20 s: before, the first call below returned only then
            assert(lib:call('start_flood', 'i32', {'pointer', 'i32'}, cb, 20) == 1)
            local t = os.time()
            while ran == 0 and os.time() - t < 5 do call(busy, 1) end
            call(busy, 1)
            call(busy, 1)
            local made, polled = 0, 0
            stopping = true
            call(function() made = lib:call('stop_flood', 'i64', {}) end)
            call(function() polled = ffi.poll() end)
            return ran, polled, made
            """, "=test");
        watch.Stop();
        Assert.True(Convert.ToInt64(r[0]) > 0, "no queued call ran");
        Assert.True(Convert.ToInt64(r[2]) > Convert.ToInt64(r[0]), $"{r[2]} calls made, {r[0]} ran: the queue kept up");
        output.WriteLine($"{r[2]} calls made, {r[0]} ran, {r[1]} by ffi.poll; {watch.Elapsed.TotalSeconds:F2} s");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(12), $"the calls took {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void QueuedCallsRunOnTheRuntimesThreadAndAllOfThemRun()
    {
        var r = (string)CallbackLib.Eval(Wrap + """
            local sum, ran = 0, 0
            local cb = ffi.callback(function(x) note(); ran = ran + 1; sum = sum + x; return 1 end, 'i32', {'i32'}, { threads = 'queue' })
            local threads = start(cb, 4, 2500)
            local n = 0
            for i = 1, 20000 do n = busy(n) end  -- queued calls run as these calls return
            local calls = join()
            ffi.poll()
            local expected = 0
            for t = 0, threads - 1 do for i = 0, 2499 do expected = expected + t * 1000000 + i end end
            return table.concat({threads, calls, returned(), ran, notes(), offMain(), tostring(sum == expected), ffi.poll()}, '|')
            """)!;
        Assert.Equal("4|10000|0|10000|10000|0|true|0", r);
    }

    [Fact]
    public void AQueuedCallsErrorIsRaisedByPoll()
    {
        Assert.Contains("queued boom", CallbackLib.Error(Wrap + """
            local cb = ffi.callback(function(x) error('queued boom') end, 'i32', {'i32'}, { threads = 'queue' })
            start(cb, 1, 3)
            join()
            ffi.poll()
            """));
    }
}
