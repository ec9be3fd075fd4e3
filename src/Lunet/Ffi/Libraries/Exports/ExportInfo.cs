namespace Lunet.Ffi.Libraries.Exports;

/// <summary>One exported function of a library file.</summary>
/// <param name="Name">The symbol name (Mach-O: without the leading underscore).</param>
/// <param name="Ordinal">PE only: the export ordinal.</param>
/// <param name="ForwardedTo">PE only: "OTHERDLL.Name" for a forwarded export.</param>
public sealed record ExportInfo(string Name, int? Ordinal = null, string? ForwardedTo = null);
