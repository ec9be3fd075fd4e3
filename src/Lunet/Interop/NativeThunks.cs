using System.Runtime.InteropServices;

namespace Lunet.Interop;

/// <summary>
/// The few bytes of machine code that C# cannot express.
///
/// Error thunk: a lua_CFunction that calls a C# entry point and, when it returns
/// -1, calls lua_error from native code. C# never calls lua_error itself: its
/// longjmp would cross managed frames, which hangs or aborts under GC load.
///
/// Variadic thunk: on x86-64 System V a variadic callee reads AL as an upper bound
/// of the vector registers used; the JIT does not set it, so the thunk sets AL to
/// 8 (always a valid bound) and jumps to the target.
/// </summary>
internal static class NativeThunks
{
    static readonly Dictionary<nint, nint> ErrorThunks = new();
    static readonly Dictionary<nint, nint> VariadicThunks = new();

    /// <summary>A lua_CFunction that runs <paramref name="entry"/> (an int(lua_State*) function) and raises on -1.</summary>
    public static nint ErrorThunk(nint entry)
    {
        lock (ErrorThunks)
        {
            if (ErrorThunks.TryGetValue(entry, out var t)) return t;
            t = ExecutableMemory.Write(ErrorThunkCode(entry, LuaApi.ErrorFunction));
            ErrorThunks[entry] = t;
            return t;
        }
    }

    /// <summary>An address that sets the vector-register count and jumps to <paramref name="target"/>.</summary>
    public static nint VariadicThunk(nint target)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || OperatingSystem.IsWindows()) return target; // only SysV x86-64 needs AL
        lock (VariadicThunks)
        {
            if (VariadicThunks.TryGetValue(target, out var t)) return t;
            t = ExecutableMemory.Write(VariadicThunkCode(target));
            VariadicThunks[target] = t;
            return t;
        }
    }

    internal static byte[] ErrorThunkCode(nint entry, nint luaError)
    {
        var c = new List<byte>(64);
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.X64 when !OperatingSystem.IsWindows():
                // push rbx            ; keeps the stack 16-byte aligned for the call
                // mov rbx, rdi        ; L survives the call in a callee-saved register
                // movabs rax, entry ; call rax
                // cmp eax, -1 ; je err ; pop rbx ; ret
                // err: mov rdi, rbx ; pop rbx ; movabs rax, lua_error ; jmp rax
                c.Add(0x53);
                c.AddRange([0x48, 0x89, 0xFB]);
                c.AddRange([0x48, 0xB8]); c.AddRange(BitConverter.GetBytes((long)entry));
                c.AddRange([0xFF, 0xD0]);
                c.AddRange([0x83, 0xF8, 0xFF]);
                c.AddRange([0x74, 0x02]);
                c.Add(0x5B); c.Add(0xC3);
                c.AddRange([0x48, 0x89, 0xDF]);
                c.Add(0x5B);
                c.AddRange([0x48, 0xB8]); c.AddRange(BitConverter.GetBytes((long)luaError));
                c.AddRange([0xFF, 0xE0]);
                break;
            case Architecture.X64:
                // Windows x64: L in rcx, 32 bytes of shadow space for the callee.
                // push rbx ; sub rsp, 32 ; mov rbx, rcx ; movabs rax, entry ; call rax
                // add rsp, 32 ; cmp eax, -1 ; je err ; pop rbx ; ret
                // err: mov rcx, rbx ; pop rbx ; movabs rax, lua_error ; jmp rax
                c.Add(0x53);
                c.AddRange([0x48, 0x83, 0xEC, 0x20]);
                c.AddRange([0x48, 0x89, 0xCB]);
                c.AddRange([0x48, 0xB8]); c.AddRange(BitConverter.GetBytes((long)entry));
                c.AddRange([0xFF, 0xD0]);
                c.AddRange([0x48, 0x83, 0xC4, 0x20]);
                c.AddRange([0x83, 0xF8, 0xFF]);
                c.AddRange([0x74, 0x02]);
                c.Add(0x5B); c.Add(0xC3);
                c.AddRange([0x48, 0x89, 0xD9]);
                c.Add(0x5B);
                c.AddRange([0x48, 0xB8]); c.AddRange(BitConverter.GetBytes((long)luaError));
                c.AddRange([0xFF, 0xE0]);
                break;
            case Architecture.Arm64:
                // stp x29, x30, [sp,#-32]! ; mov x29, sp ; str x19, [sp,#16] ; mov x19, x0
                // ldr x16, =entry ; blr x16 ; cmn w0, #1 ; b.eq err
                // ldr x19, [sp,#16] ; ldp x29, x30, [sp], #32 ; ret
                // err: mov x0, x19 ; ldr x19, [sp,#16] ; ldp x29, x30, [sp], #32 ; ldr x16, =lua_error ; br x16
                // (written from the A64 encoding tables; untested until an arm64 machine runs it)
                uint[] ins =
                [
                    0xA9BE7BFD, 0x910003FD, 0xF9000BF3, 0xAA0003F3,
                    0x580001D0, // ldr x16, #+56 (entry literal)
                    0xD63F0200, 0x3100041F, 0x54000080,
                    0xF9400BF3, 0xA8C27BFD, 0xD65F03C0,
                    0xAA1303E0, 0xF9400BF3, 0xA8C27BFD,
                    0x58000050, // ldr x16, #+8 (lua_error literal)
                    0xD61F0200,
                ];
                foreach (var i in ins) c.AddRange(BitConverter.GetBytes(i));
                c.AddRange(BitConverter.GetBytes((long)luaError));
                c.AddRange(BitConverter.GetBytes((long)entry));
                break;
            default:
                throw new PlatformNotSupportedException($"no error thunk for {RuntimeInformation.ProcessArchitecture}");
        }
        return c.ToArray();
    }

    internal static byte[] VariadicThunkCode(nint target)
    {
        // mov al, 8 ; movabs r11, target ; jmp r11
        var c = new List<byte> { 0xB0, 0x08, 0x49, 0xBB };
        c.AddRange(BitConverter.GetBytes((long)target));
        c.AddRange([0x41, 0xFF, 0xE3]);
        return c.ToArray();
    }
}
