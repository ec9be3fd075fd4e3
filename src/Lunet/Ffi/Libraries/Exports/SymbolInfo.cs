namespace Lunet.Ffi.Libraries.Exports;

/// <summary>What a defined symbol of a library's symbol table is.</summary>
public enum SymbolKind { Function, Variable, ThreadLocal, Other }

/// <summary>A defined symbol's kind and size in bytes (ELF st_size; 0 when the file does not say).</summary>
public readonly record struct SymbolInfo(SymbolKind Kind, ulong Size);
