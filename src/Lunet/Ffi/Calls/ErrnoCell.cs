using System.Runtime.InteropServices;
using Lunet.Interop;
using static Lunet.Interop.X64Assembler;

namespace Lunet.Ffi.Calls;

/// <summary>
/// errno across ffi calls. The runtime itself changes errno between two calls (the .NET
/// runtime, the allocator, the Lua VM), so a script cannot read it from C: every call stub
/// copies errno into the state's <see cref="Allocator.Counters.Errno"/> the moment its target
/// returns, before any other code runs, and <c>ffi.errno()</c> reads that copy. <c>ffi.errno(v)</c>
/// sets the copy and <see cref="Allocator.Counters.ErrnoPending"/>: the next call stores it into
/// errno just before its target runs.
///
/// Native stubs read errno with one thread-pointer-relative load: errno is in the C library's
/// static TLS, at the same offset from the thread pointer on every thread (checked here once,
/// on two threads). Where that check fails, they call the C library's errno-location function.
/// </summary>
internal static unsafe class ErrnoCell
{
    static readonly int ValueOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.Errno));
    static readonly int PendingOffset = (int)Marshal.OffsetOf<Allocator.Counters>(nameof(Allocator.Counters.ErrnoPending));

    /// <summary>int *__errno_location(void) (glibc, musl), __error (macOS, the BSDs); 0 if neither.</summary>
    static readonly nint Location = FindLocation();

    /// <summary>errno's address minus the thread pointer, when it is the same on every thread (null: call <see cref="Location"/>).</summary>
    static readonly int? TlsOffset = FindTlsOffset();

    static nint FindLocation()
    {
        if (LibC.Handle == 0) return 0;
        foreach (var name in new[] { "__errno_location", "__error" })
            if (NativeLibrary.TryGetExport(LibC.Handle, name, out var p)) return p;
        return 0;
    }

    static int? FindTlsOffset()
    {
        // fs is the thread pointer on Linux only (macOS uses gs, with errno not at a fixed place).
        if (!OperatingSystem.IsLinux() || Location == 0 || Callbacks.CallbackHooks.ThreadPointer == null) return null;
        // The other thread must not touch this class's statics: it would wait for this initializer.
        var location = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint>)Location;
        var threadPointer = Callbacks.CallbackHooks.ThreadPointer;
        long here = (long)location() - threadPointer(), there = long.MinValue;
        var other = new Thread(() => there = (long)location() - threadPointer());
        other.Start();
        other.Join();
        return here == there && here is >= int.MinValue and <= int.MaxValue ? (int)here : null;
    }

    /// <summary>
    /// In the native stub after its arguments are read, before the callbacks' before-call hook:
    /// stores the counters (0: a state with another allocator) at [rsp + <paramref name="countersSlot"/>],
    /// and writes a value ffi.errno(v) set into errno. No argument register is loaded yet.
    /// </summary>
    public static void EmitRestore(X64Assembler a, int stateReg, int countersSlot)
    {
        var none = a.NewLabel();
        var done = a.NewLabel();
        Callbacks.CallbackHooks.EmitCounters(a, stateReg, none);
        a.Store64(Rsp, countersSlot, Rcx);
        a.CmpMem64Imm(Rcx, PendingOffset, 0);
        a.Jcc(Cond.E, done);
        a.StoreImm64(Rcx, PendingOffset, 0);
        if (TlsOffset is int tls)
        {
            a.Load32(Rax, Rcx, ValueOffset);
            a.Store32Fs(tls, Rax);
        }
        else if (Location != 0)
        {
            a.CallAbs(Location);
            a.Load64(Rcx, Rsp, countersSlot);
            a.Load32(Rdx, Rcx, ValueOffset);
            a.Store32(Rax, 0, Rdx);
        }
        a.Jmp(done);
        a.Mark(none);
        a.StoreImm64(Rsp, countersSlot, 0);
        a.Mark(done);
    }

    /// <summary>
    /// Right after the target returned, before anything else runs: copies errno into the counters.
    /// Keeps rax, rdx, xmm0 and xmm1 (the result); rsp is 16-byte aligned.
    /// </summary>
    public static void EmitSave(X64Assembler a, int countersSlot)
    {
        var skip = a.NewLabel();
        a.Load64(R11, Rsp, countersSlot);
        a.Test64(R11, R11);
        a.Jcc(Cond.E, skip);
        if (TlsOffset is int tls)
        {
            a.Load32Fs(R10, tls);
            a.Store64(R11, ValueOffset, R10);
        }
        else if (Location != 0)
        {
            // A call: keep the result registers below rsp (48 bytes keep the alignment).
            a.SubImm32(Rsp, 48, wide: true);
            a.Store64(Rsp, 0, Rax);
            a.Store64(Rsp, 8, Rdx);
            a.MovsdStore(Rsp, 16, 0);
            a.MovsdStore(Rsp, 24, 1);
            a.CallAbs(Location);
            a.Load32(R10, Rax, 0);
            a.Load64(R11, Rsp, countersSlot + 48);
            a.Store64(R11, ValueOffset, R10);
            a.Load64(Rax, Rsp, 0);
            a.Load64(Rdx, Rsp, 8);
            a.MovsdLoad(0, Rsp, 16);
            a.MovsdLoad(1, Rsp, 24);
            a.AddImm32(Rsp, 48, wide: true);
        }
        a.Mark(skip);
    }

    /// <summary>The managed stubs' <see cref="EmitRestore"/>, called with the arguments already converted.</summary>
    public static void RestoreManaged(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null || c->ErrnoPending == 0) return;
        c->ErrnoPending = 0;
        Marshal.SetLastSystemError((int)c->Errno);
    }

    /// <summary>The managed stubs' <see cref="EmitSave"/>: the first thing after the target returns.</summary>
    public static void SaveManaged(nint L)
    {
        int errno = Marshal.GetLastSystemError();
        var c = Allocator.Of(L);
        if (c != null) c->Errno = errno;
    }

    /// <summary>ffi.errno([v]): errno as the last ffi call left it; with v, also the errno the next call starts with.</summary>
    public static int Errno(nint L)
    {
        var c = Allocator.Of(L);
        if (c == null) throw new LuaException("ffi.errno is not available on a state made with another allocator");
        int old = (int)c->Errno;
        if (LuaApi.type(L, 1) != LuaApi.TNONE)
        {
            long v = LuaOps.CheckInteger(L, 1, "errno");
            if (v is < int.MinValue or > int.MaxValue)
                throw LuaException.BadArgument(1, "errno", $"int expected, got {v} (out of range)");
            c->Errno = v;
            c->ErrnoPending = 1;
        }
        LuaApi.pushinteger(L, old);
        return 1;
    }
}
