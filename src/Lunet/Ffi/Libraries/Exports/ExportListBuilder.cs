namespace Lunet.Ffi.Libraries.Exports;

/// <summary>
/// Collects exports, keeps the first entry for each name, and returns them sorted by name.
/// The total length of names is capped relative to the file size, so a hostile file whose
/// entries all point at one long string cannot make us allocate gigabytes.
/// </summary>
internal sealed class ExportListBuilder
{
    private readonly Dictionary<string, ExportInfo> _byName = new(StringComparer.Ordinal);
    private readonly BinaryView _file;
    private readonly long _nameCharBudget;
    private long _nameCharsUsed;

    /// <summary>The file the names come from.</summary>
    public BinaryView File => _file;

    public ExportListBuilder(BinaryView file)
    {
        _file = file;
        // Real libraries share string-table tails and trie prefixes, so names may add up to
        // more than the file size, but not by a factor anywhere near 32.
        _nameCharBudget = 32 * file.Length + (1 << 20);
    }

    /// <summary>Charges a name about to be decoded against the budget.</summary>
    public void ChargeName(long length)
    {
        _nameCharsUsed += length;
        if (_nameCharsUsed > _nameCharBudget)
            throw _file.Error($"symbol names add up to more than {_nameCharBudget} bytes for a {_file.Length}-byte file");
    }

    public void Add(ExportInfo export)
    {
        ChargeName(export.Name.Length + (export.ForwardedTo?.Length ?? 0));
        _byName.TryAdd(export.Name, export);
    }

    public IReadOnlyList<ExportInfo> ToSortedList()
    {
        var list = _byName.Values.ToList();
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }
}
