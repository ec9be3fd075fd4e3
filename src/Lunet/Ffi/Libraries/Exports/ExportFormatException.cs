namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// A library file could not be read as ELF, PE or Mach-O: it is truncated, inconsistent,
/// hostile, or of an unsupported kind. The message names the format and what was wrong.
/// </summary>
public sealed class ExportFormatException : Exception
{
    public ExportFormatException(string message) : base(message) { }

    public ExportFormatException(string message, Exception inner) : base(message, inner) { }
}
