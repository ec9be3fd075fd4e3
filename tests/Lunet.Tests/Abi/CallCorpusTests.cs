using Lunet.Ffi.Calls;
using Lunet.Ffi.Types;
using Lunet.Tests.Support;

namespace Lunet.Tests.Abi;

/// <summary>
/// The generated corpus (<see cref="CallCorpus"/>, fixed seed): the C compiler builds it, Lunet calls
/// every signature through lib:wrap and lib:call (its first call and a cached one) with the values the
/// generator chose, and each result must equal what the C code computes from the same values. A
/// mismatch names the signature. Every stub of the corpus also disassembles cleanly.
/// </summary>
public class CallCorpusTests
{
    const int Seed = 20260901, Records = 160, Signatures = 320;

    static readonly Lazy<(CallCorpus corpus, string library)> Built = new(() =>
    {
        var corpus = new CallCorpus(Seed, Records, Signatures);
        var dir = Path.Combine(Path.GetTempPath(), $"lunet-corpus-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        var source = Path.Combine(dir, "corpus.c");
        File.WriteAllText(source, corpus.C);
        var library = Path.Combine(dir, "libcorpus.so");
        NativeBuild.Run(NativeBuild.Compiler(), $"-shared -fPIC -O2 -w -o \"{library}\" \"{source}\"");
        return (corpus, library);
    });

    [Fact]
    public void EverySignatureGetsWhatCComputes()
    {
        if (!NativeStubCompiler.IsSupported) return;
        RunCorpus(managedToo: false);
    }

    /// <summary>
    /// The same corpus also through the managed stubs (the portable path other platforms run), made
    /// for each signature they can carry; the native paths run beside them as before.
    /// </summary>
    [Fact]
    public void TheManagedStubsAgreeOnTheCorpus()
    {
        if (!NativeStubCompiler.IsSupported) return;
        int made = RunCorpus(managedToo: true);
        Assert.True(made >= 200, $"managed stubs for only {made} signatures"); // 225 of 320: the rest go to memory in ways a carrier cannot reproduce
    }

    static unsafe int RunCorpus(bool managedToo)
    {
        var (corpus, library) = Built.Value;
        Assert.True(corpus.Cases.Count >= 300);
        using var rt = Lua.NewRuntime();
        int made = 0;
        if (managedToo)
        {
            rt.SetGlobal("CORPUS_DECLS", corpus.Declarations);
            rt.DoString("require('ffi').cdef(CORPUS_DECLS)", "=declare");
            var types = Lunet.Ffi.FfiContext.Of(rt.State).Types;
            var handle = System.Runtime.InteropServices.NativeLibrary.Load(library);
            for (int i = 0; i < corpus.Signatures.Count; i++)
            {
                var names = corpus.Signatures[i];
                var sig = new FunctionType(types.Resolve(names[0]), names.Skip(1).Select(types.Resolve).ToArray());
                if (StubCompiler.Refusal(sig) != null) continue;
                var name = $"f{i}";
                var b = new FunctionBinding(name, System.Runtime.InteropServices.NativeLibrary.GetExport(handle, name), sig, null, managedOnly: true);
                Assert.Equal(0, b.NativeStub);
                CallDispatcher.Push(rt.State, b);
                fixed (byte* g = System.Text.Encoding.UTF8.GetBytes($"managed_{name}\0")) Lunet.Interop.LuaApi.setglobal(rt.State, g);
                made++;
            }
        }
        rt.SetGlobal("CORPUS_LIB", library);
        rt.SetGlobal("CORPUS_DECLS", corpus.Declarations);
        rt.SetGlobal("CORPUS_CASES", corpus.Lua);
        rt.SetGlobal("CORPUS_RECORDS", string.Join(" ", corpus.RecordNames));
        rt.SetGlobal("MANAGED_TOO", managedToo);
        var r = rt.DoString("""
            local ffi = require('ffi')
            if not MANAGED_TOO then ffi.cdef(CORPUS_DECLS) end
            local lib = ffi.open(CORPUS_LIB)
            local hash = {}
            for name in CORPUS_RECORDS:gmatch('%S+') do hash[name] = lib:wrap('u64', 'hash_' .. name, 'pointer') end
            local cases = assert(load(CORPUS_CASES, '=corpus'))(ffi, lib, hash)
            local failures, n = {}, 0
            for i, case in ipairs(cases) do
              local ok, mismatch = pcall(case)
              if not ok then failures[#failures + 1] = 'case ' .. i .. ' raised: ' .. tostring(mismatch)
              elseif mismatch then failures[#failures + 1] = mismatch end
              n = n + 1
            end
            return n, table.concat(failures, '\n')
            """, "=test");
        Assert.Equal((long)corpus.Cases.Count, r[0]);
        Assert.True((string)r[1]! == "", $"mismatches:\n{r[1]}");
        return made;
    }

    [Fact]
    public void EveryCorpusStubDisassemblesCleanly()
    {
        if (!NativeStubCompiler.IsSupported) return;
        var corpus = new CallCorpus(Seed, Records, Signatures);
        var types = new TypeRegistry();
        types.Declare(corpus.Declarations);
        Assert.Contains(" : ", corpus.Declarations);            // bitfields
        Assert.Contains("aligned(16)", corpus.Declarations);    // over-aligned members
        Assert.Contains("packed", corpus.Declarations);
        Assert.Contains("typedef union", corpus.Declarations);
        var seen = new HashSet<string>();
        foreach (var names in corpus.Signatures)
        {
            var sig = new FunctionType(types.Resolve(names[0]), names.Skip(1).Select(types.Resolve).ToArray());
            StubDisassemblyTests.AssertClean(sig, NativeStubCompiler.Compile(sig));
            var plan = Lunet.Ffi.Abi.ArgumentPlans.Of(sig);
            foreach (var v in plan.Parameters.Where(p => p.IsAggregate).Append(plan.Result).Where(p => p.IsAggregate))
            {
                var where = v == plan.Result ? "result " : "argument ";
                seen.Add(where + v.Kind);
                foreach (var piece in v.Pieces) seen.Add(where + piece.Class);
            }
            if (plan.Parameters.Any(p => !p.IsAggregate && p.Kind == Lunet.Ffi.Abi.PassKind.Stack)) seen.Add("scalar on the stack");
        }
        // The corpus covers every way a record crosses on this platform.
        foreach (var want in new[] { "argument Registers", "argument Stack", "argument Integer", "argument Vector",
                     "result Registers", "result Reference", "result Integer", "result Vector", "scalar on the stack" })
            Assert.Contains(want, seen);
    }
}
