namespace Lunet.Cli;

/// <summary>
/// The REPL's input history, kept across sessions in a file in the user's home
/// (~/.lunet_history, after readline's ~/.lua_history habit; LUNET_HISTORY names another
/// file, empty for none). One entry a line, the last 1000 kept; an entry equal to the one
/// before is not added again. A file that cannot be read or written is skipped quietly.
/// </summary>
sealed class History
{
    const int MaxEntries = 1000;
    readonly List<string> entries = [];
    readonly string? file;

    public History()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        file = Environment.GetEnvironmentVariable("LUNET_HISTORY") is string f
            ? (f.Length > 0 ? f : null)
            : home.Length > 0 ? Path.Combine(home, ".lunet_history") : null; // no home: no file, not one in the current directory
        if (file == null) return;
        try { if (File.Exists(file)) entries.AddRange(File.ReadAllLines(file).TakeLast(MaxEntries)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public int Count => entries.Count;

    public string this[int i] => entries[i];

    public void Add(string line)
    {
        if (line.Trim().Length == 0 || line.Contains('\n') || (entries.Count > 0 && entries[^1] == line)) return;
        entries.Add(line);
        if (file == null) return;
        try
        {
            File.AppendAllLines(file, [line]);
            if (entries.Count > MaxEntries * 2) File.WriteAllLines(file, entries.TakeLast(MaxEntries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
