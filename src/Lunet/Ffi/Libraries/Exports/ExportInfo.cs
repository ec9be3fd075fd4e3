namespace Lunet.Ffi.Libraries.Exports;

/// <summary>One exported function of a library file.</summary>
/// <param name="Name">The symbol name (Mach-O: without the leading underscore).</param>
/// <param name="Ordinal">PE only: the export ordinal. Exports by ordinal only are named "#&lt;ordinal&gt;".</param>
/// <param name="ForwardedTo">PE: "OTHERDLL.Name" for a forwarded export. Mach-O: "&lt;dylib install name&gt;.&lt;symbol&gt;" for a re-export.</param>
public sealed record ExportInfo(string Name, int? Ordinal = null, string? ForwardedTo = null);
