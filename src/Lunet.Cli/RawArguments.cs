using System.Text;

namespace Lunet.Cli;

/// <summary>
/// The command-line arguments as bytes, so arguments and -e code that are not UTF-8 reach
/// Lua as they were given (.NET decodes them, replacing invalid bytes). On Linux they are
/// the last entries of /proc/self/cmdline (the host's own arguments come first); elsewhere,
/// or when that file does not match, the UTF-8 of the strings .NET gives.
/// </summary>
static class RawArguments
{
    public static byte[][] Get(string[] args)
    {
        var utf8 = args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray();
        if (!OperatingSystem.IsLinux()) return utf8;
        byte[] cmdline;
        try { cmdline = File.ReadAllBytes("/proc/self/cmdline"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return utf8; }
        var entries = Split(cmdline);
        if (entries.Count < args.Length) return utf8;
        var raw = entries.Skip(entries.Count - args.Length).ToArray();
        // Each must decode to what .NET gave, or these are not our arguments.
        for (int i = 0; i < args.Length; i++)
            if (Encoding.UTF8.GetString(raw[i]) != args[i]) return utf8;
        return raw;
    }

    static List<byte[]> Split(byte[] cmdline)
    {
        var list = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] != 0) continue;
            list.Add(cmdline[start..i]);
            start = i + 1;
        }
        if (start < cmdline.Length) list.Add(cmdline[start..]);
        return list;
    }
}
