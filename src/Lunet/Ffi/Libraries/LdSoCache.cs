using System.Text;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// The names in the system's library cache (/etc/ld.so.cache, glibc's
/// "glibc-ld.so.cache1.1" format), so "z" can find libz.so.1 where no unversioned
/// libz.so development link exists, and the files they stand for (the allow-list
/// matches a bare name to its file without loading it). Read once, bounds-checked;
/// an unreadable or unknown cache gives no names.
/// </summary>
internal static class LdSoCache
{
    const string CachePath = "/etc/ld.so.cache";
    const string Magic = "glibc-ld.so.cache1.1";
    const int HeaderSize = 48, EntrySize = 24;

    static readonly Lazy<IReadOnlyList<(string Name, string Path)>> Entries = new(() => ReadEntries(CachePath));

    /// <summary>Cached library names that start with <paramref name="prefix"/> ("libz.so."), in cache order.</summary>
    public static IEnumerable<string> NamesStartingWith(string prefix) =>
        Entries.Value.Select(e => e.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Distinct();

    /// <summary>The files the cache gives for <paramref name="name"/> ("libz.so.1"), in cache order.</summary>
    public static IEnumerable<string> PathsOf(string name) =>
        Entries.Value.Where(e => e.Name == name).Select(e => e.Path);

    internal static IReadOnlyList<string> Read(string path) => ReadEntries(path).Select(e => e.Name).ToList();

    internal static IReadOnlyList<string> Parse(byte[] file) => ParseEntries(file).Select(e => e.Name).ToList();

    static IReadOnlyList<(string Name, string Path)> ReadEntries(string path)
    {
        try { return ParseEntries(File.ReadAllBytes(path)); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    /// <summary>Each entry's name and path (key and value: offsets from the new format's start).</summary>
    static IReadOnlyList<(string Name, string Path)> ParseEntries(byte[] file)
    {
        // The new format may follow an old-format ("ld.so-1.7.0") table; find its magic.
        int start = IndexOf(file, Encoding.ASCII.GetBytes(Magic));
        if (start < 0 || file.Length - start < HeaderSize) return [];
        uint count = BitConverter.ToUInt32(file, start + 20);
        if (count > (file.Length - start - HeaderSize) / EntrySize) return [];
        var entries = new List<(string, string)>((int)count);
        for (int i = 0; i < count; i++)
        {
            int at = start + HeaderSize + i * EntrySize;
            var name = StringAt(file, start + (long)BitConverter.ToUInt32(file, at + 4));
            var path = StringAt(file, start + (long)BitConverter.ToUInt32(file, at + 8));
            if (name != null && path != null) entries.Add((name, path));
        }
        return entries;
    }

    static string? StringAt(byte[] file, long at)
    {
        if (at < 0 || at >= file.Length) return null;
        int end = Array.IndexOf(file, (byte)0, (int)at);
        return end < 0 ? null : Encoding.UTF8.GetString(file, (int)at, end - (int)at);
    }

    static int IndexOf(byte[] haystack, byte[] needle) =>
        haystack.AsSpan(0, Math.Min(haystack.Length, 1 << 20)).IndexOf(needle);
}
