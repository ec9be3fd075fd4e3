using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Callbacks;

/// <summary>
/// Lets callbacks nest past Lua's own limit. Every lua_pcall adds one to the lua_State's count of
/// nested C calls (nCcalls; 0x10001 with its count of non-yieldable calls), and Lua refuses a call
/// once that count reaches LUAI_MAXCCALLS (200): each callback level's lua_pcall would take one, so
/// a script could nest about 196 levels. Once the count has reached <see cref="CountedLevels"/>, the
/// trampoline lowers it by one around its lua_pcall for up to <see cref="FreeLevels"/> nested callback
/// levels of a runtime (counted in its <see cref="Allocator.Counters.CallbackLevels"/>), so those cost
/// Lua nothing, and Lua's limit still holds beyond: the C stack stays bounded by Lua's own rule plus
/// that many levels.
///
/// nCcalls is a field of liblua54's private lua_State: its offset is found once, on a state of
/// our own, by reading the state's words from a C function called at three pcall depths and
/// keeping the one word that grows by exactly 0x10001 per level. Where no single word does (another
/// build of Lua), <see cref="Offset"/> is -1 and the trampolines leave the count alone.
/// </summary>
internal static unsafe class CallbackNesting
{
    /// <summary>Nested callback levels of one runtime that do not count towards Lua's limit.</summary>
    public const int FreeLevels = 64;

    /// <summary>What one lua_pcall adds to nCcalls: one C call, and one non-yieldable call.</summary>
    const uint PerPcall = 0x10001;

    public static readonly int LevelsOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.CallbackLevels));

    /// <summary>The offset of nCcalls in lua_State, or -1 when it was not found.</summary>
    public static readonly int Offset = Calibrate();

    /// <summary>Bytes of the state read: well inside lua_State and the global_State that follows a main thread.</summary>
    const int Scanned = 320, Depths = 3;

    static uint* snapshots;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Snapshot(nint L)
    {
        int level = (int)LuaApi.tointegerx(L, 1, null);
        if ((uint)level >= Depths) return 0;
        NativeMemory.Copy((void*)L, snapshots + level * (Scanned / 4), Scanned);
        if (level + 1 < Depths)
        {
            LuaApi.pushcclosure(L, (nint)(delegate* unmanaged[Cdecl]<nint, int>)&Snapshot, 0);
            LuaApi.pushinteger(L, level + 1);
            if (LuaApi.pcallk(L, 1, 0, 0, 0, 0) != LuaApi.LUA_OK) LuaApi.settop(L, -2);
        }
        return 0;
    }

    static int Calibrate()
    {
        if (!Calls.NativeStubCompiler.IsSupported) return -1;
        snapshots = (uint*)NativeMemory.AllocZeroed(Scanned * Depths);
        try
        {
            return ScratchState.Run(L =>
            {
                LuaApi.pushcclosure(L, (nint)(delegate* unmanaged[Cdecl]<nint, int>)&Snapshot, 0);
                LuaApi.pushinteger(L, 0);
                if (LuaApi.pcallk(L, 1, 0, 0, 0, 0) != LuaApi.LUA_OK) return -1;
                int found = -1;
                for (int w = 0; w < Scanned / 4; w++)
                {
                    uint first = snapshots[w];
                    bool grows = (first & 0xFFFF) == 1;   // one C call in progress: the first pcall
                    for (int d = 1; d < Depths && grows; d++)
                        grows = snapshots[d * (Scanned / 4) + w] - snapshots[(d - 1) * (Scanned / 4) + w] == PerPcall;
                    if (!grows) continue;
                    if (found >= 0) return -1;     // two candidates: trust neither
                    found = w * 4;
                }
                return found;
            }, -1);
        }
        finally
        {
            NativeMemory.Free(snapshots);
            snapshots = null;
        }
    }

    /// <summary>Below this many C calls in progress, a callback level counts as any C call does (the common case: one compare).</summary>
    public const int CountedLevels = 100;

    /// <summary>
    /// Before the trampoline's lua_pcall (r12 = the counters, r13 = L; rax and rcx are free): when
    /// Lua's count of C calls has reached <see cref="CountedLevels"/> and fewer than <see cref="FreeLevels"/>
    /// levels of this runtime are free already, nCcalls one lower and one more free level, noted in
    /// the frame's <paramref name="lowered"/> word for <see cref="EmitLeave"/>.
    /// </summary>
    public static void EmitEnter(X64Assembler a, int lowered)
    {
        if (Offset < 0) return;
        var skip = a.NewLabel();
        a.Xor32(Rax, Rax);
        a.Store32(Rsp, lowered, Rax);
        a.Load32(Rcx, R13, Offset);
        a.AndImm32(Rcx, 0xFFFF);
        a.CmpImm32(Rcx, CountedLevels);
        a.Jcc(Cond.L, skip);
        a.Load64(Rax, R12, LevelsOffset);
        a.CmpImm32Wide(Rax, FreeLevels);
        a.Jcc(Cond.GE, skip);
        a.AddImm32(Rax, 1, wide: true);
        a.Store64(R12, LevelsOffset, Rax);
        a.Load32(Rcx, R13, Offset);
        a.SubImm32(Rcx, 1);
        a.Store32(R13, Offset, Rcx);
        a.MovImm32(Rax, 1);
        a.Store32(Rsp, lowered, Rax);
        a.Mark(skip);
    }

    /// <summary>After it (eax = its status, kept; rcx and rdx are free): what <see cref="EmitEnter"/> did, undone.</summary>
    public static void EmitLeave(X64Assembler a, int lowered)
    {
        if (Offset < 0) return;
        var skip = a.NewLabel();
        a.CmpMem32Imm(Rsp, lowered, 0);
        a.Jcc(Cond.E, skip);
        a.Load32(Rdx, R13, Offset);
        a.AddImm32(Rdx, 1);
        a.Store32(R13, Offset, Rdx);
        a.Load64(Rcx, R12, LevelsOffset);
        a.SubImm32(Rcx, 1, wide: true);
        a.Store64(R12, LevelsOffset, Rcx);
        a.Mark(skip);
    }
}
