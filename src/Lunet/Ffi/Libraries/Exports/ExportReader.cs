namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// Lists the functions a native library file exports, by parsing the file itself: nothing is
/// loaded or called. ELF, PE/COFF and Mach-O (thin or universal) are recognised by their magic.
/// The result is sorted by name (ordinal string order) and holds each name once.
/// </summary>
public static class ExportReader
{
    /// <summary>Reads the whole file and lists its exported functions.</summary>
    /// <exception cref="ExportFormatException">The file is not a readable ELF, PE or Mach-O library.</exception>
    public static IReadOnlyList<ExportInfo> Read(string path) => Read(File.ReadAllBytes(path));

    /// <inheritdoc cref="Read(ReadOnlyMemory{byte})"/>
    public static IReadOnlyList<ExportInfo> Read(byte[] file) => Read(new ReadOnlyMemory<byte>(file));

    /// <summary>Lists the exported functions of a library file image held in memory.</summary>
    /// <exception cref="ExportFormatException">The bytes are not a readable ELF, PE or Mach-O library.</exception>
    public static IReadOnlyList<ExportInfo> Read(ReadOnlyMemory<byte> file)
    {
        var magic = file.Span;
        if (magic.Length >= 4 && magic[0] == 0x7F && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F')
            return ElfExportReader.Read(file);
        if (magic.Length >= 2 && magic[0] == (byte)'M' && magic[1] == (byte)'Z')
            return PeExportReader.Read(file);
        if (MachOExportReader.HasMagic(magic))
            return MachOExportReader.Read(file);
        throw new ExportFormatException(magic.Length < 4
            ? $"file is only {magic.Length} bytes, too short to be a library"
            : $"unknown file format (first bytes {Convert.ToHexString(magic[..4])}; expected ELF, PE or Mach-O)");
    }
}
