using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lunet.Ffi.Types;

namespace Lunet.Ffi.Abi;

/// <summary>The running platform's calling convention, and each function type's plan under it, made once.</summary>
public static class ArgumentPlans
{
    /// <summary>The convention of this process, or null where none is written (32-bit, other architectures).</summary>
    public static ICallingConvention? Current { get; } = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 when OperatingSystem.IsWindows() => WindowsX64Convention.Instance,
        Architecture.X64 => SysVX64Convention.Instance,
        Architecture.Arm64 when !OperatingSystem.IsWindows() => Aapcs64Convention.Instance,
        _ => null,
    };

    static readonly ConditionalWeakTable<FunctionType, ArgumentPlan> Plans = new();

    /// <summary>The plan of <paramref name="f"/> on this platform; throws <see cref="NotSupportedException"/> where there is none.</summary>
    public static ArgumentPlan Of(FunctionType f)
    {
        if (Plans.TryGetValue(f, out var plan)) return plan;
        var c = Current ?? throw new NotSupportedException($"no calling convention is written for {RuntimeInformation.ProcessArchitecture}");
        return Plans.GetValue(f, c.Plan);
    }
}
