using Lunet.Ffi.Libraries.Exports;
using Lunet.Ffi.Types;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// What a symbol is, from the symbol table of the file that holds it (found with dladdr: for
/// ffi.C the symbol may come from any loaded library): lib:value reads only a variable large
/// enough for its type (reading "cos" as a char* would read machine code), and lib:wrap and
/// lib:call refuse to call a variable (its bytes are not code). Where the table cannot be read
/// (a format other than ELF, a file the loader names but that cannot be opened), there is
/// nothing to check against and the symbol is used unchecked.
/// </summary>
internal static class SymbolKinds
{
    /// <summary>Symbol tables kept at most; the cache is emptied when full.</summary>
    const int CacheLimit = 16;

    static readonly Dictionary<string, Dictionary<string, SymbolInfo>?> Tables = new(StringComparer.Ordinal);

    /// <summary>Refuses a variable as a function for <paramref name="function"/> (wrap, call).</summary>
    public static void CheckFunction(string name, nint address, string function)
    {
        if (Find(name, address, out var file) is { Kind: SymbolKind.Variable or SymbolKind.ThreadLocal })
            throw new LuaException($"{function}: '{name}' in {file} is a variable, not a function");
    }

    /// <summary>Refuses anything but a variable of at least the size of <paramref name="type"/> (lib:value; errors start with <paramref name="function"/>).</summary>
    public static void CheckVariable(string name, nint address, CType type, string function = "value")
    {
        var found = Find(name, address, out var file);
        if (file == null) return;
        if (found is not { } info)
            throw new LuaException($"{function}: '{name}' is not in the symbol table of {file}");
        switch (info.Kind)
        {
            case SymbolKind.Function:
                throw new LuaException($"{function}: '{name}' in {file} is a function, not a variable");
            case SymbolKind.Other:
                throw new LuaException($"{function}: '{name}' in {file} is not a variable");
        }
        if (info.Size < (ulong)type.Size)
            throw new LuaException($"{function}: '{name}' in {file} is {info.Size} bytes, {type.Name} needs {type.Size}");
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

    /// <summary>The symbol's entry; <paramref name="file"/> is null when there is no table to look in.</summary>
    static SymbolInfo? Find(string name, nint address, out string? file)
    {
        file = LibC.FileOf(address);
        var symbols = string.IsNullOrEmpty(file) ? null : TableOf(file);
        if (symbols == null)
        {
            file = null;
            return null;
        }
        return symbols.TryGetValue(name, out var info) ? info : null;
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
