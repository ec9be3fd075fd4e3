using Lunet.Ffi.Libraries.Exports;
using Lunet.Ffi.Types;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// lib:value's check that a symbol is a variable large enough for the type it is read as,
/// against the symbol table of the file that holds it (found with dladdr: for ffi.C the symbol
/// may come from any loaded library). Reading "cos" as a char* would read machine code.
/// Where the table cannot be read (a format other than ELF, a file the loader names but that
/// cannot be opened), there is nothing to check against and the value is read unchecked.
/// </summary>
internal static class VariableSymbols
{
    /// <summary>Symbol tables kept at most; the cache is emptied when full.</summary>
    const int CacheLimit = 16;

    static readonly Dictionary<string, Dictionary<string, SymbolInfo>?> Tables = new(StringComparer.Ordinal);

    public static void Check(string name, nint address, CType type)
    {
        var file = LibC.FileOf(address);
        if (string.IsNullOrEmpty(file)) return;
        var symbols = TableOf(file);
        if (symbols == null) return;
        if (!symbols.TryGetValue(name, out var info))
            throw new LuaException($"value: '{name}' is not in the symbol table of {file}");
        switch (info.Kind)
        {
            case SymbolKind.Function:
                throw new LuaException($"value: '{name}' in {file} is a function, not a variable");
            case SymbolKind.Other:
                throw new LuaException($"value: '{name}' in {file} is not a variable");
        }
        if (info.Size < (ulong)type.Size)
            throw new LuaException($"value: '{name}' in {file} is {info.Size} bytes, {type.Name} needs {type.Size}");
    }

    static Dictionary<string, SymbolInfo>? TableOf(string file)
    {
        lock (Tables)
        {
            if (Tables.TryGetValue(file, out var known)) return known;
            if (Tables.Count >= CacheLimit) Tables.Clear();
            return Tables[file] = Read(file);
        }
    }

    static Dictionary<string, SymbolInfo>? Read(string file)
    {
        try
        {
            var bytes = File.ReadAllBytes(file);
            bool elf = bytes.Length >= 4 && bytes[0] == 0x7F && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F';
            return elf ? ElfExportReader.ReadSymbols(bytes) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ExportFormatException)
        {
            return null;
        }
    }
}
