using System.Text;

namespace Lunet.Ffi.Libraries;

/// <summary>
/// The names in the system's library cache (/etc/ld.so.cache, glibc's
/// "glibc-ld.so.cache1.1" format), so "z" can find libz.so.1 where no unversioned
/// libz.so development link exists. Read once, bounds-checked; an unreadable or
/// unknown cache gives no names.
/// </summary>
internal static class LdSoCache
{
    const string CachePath = "/etc/ld.so.cache";
    const string Magic = "glibc-ld.so.cache1.1";
    const int HeaderSize = 48, EntrySize = 24;

    static readonly Lazy<IReadOnlyList<string>> Names = new(() => Read(CachePath));

    /// <summary>Cached library names that start with <paramref name="prefix"/> ("libz.so."), in cache order.</summary>
    public static IEnumerable<string> NamesStartingWith(string prefix) =>
        Names.Value.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Distinct();

    internal static IReadOnlyList<string> Read(string path)
    {
        try { return Parse(File.ReadAllBytes(path)); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    internal static IReadOnlyList<string> Parse(byte[] file)
    {
        // The new format may follow an old-format ("ld.so-1.7.0") table; find its magic.
        int start = IndexOf(file, Encoding.ASCII.GetBytes(Magic));
        if (start < 0 || file.Length - start < HeaderSize) return [];
        uint count = BitConverter.ToUInt32(file, start + 20);
        if (count > (file.Length - start - HeaderSize) / EntrySize) return [];
        var names = new List<string>((int)count);
        for (int i = 0; i < count; i++)
        {
            uint key = BitConverter.ToUInt32(file, start + HeaderSize + i * EntrySize + 4);
            var name = StringAt(file, start + (long)key);
            if (name != null) names.Add(name);
        }
        return names;
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
