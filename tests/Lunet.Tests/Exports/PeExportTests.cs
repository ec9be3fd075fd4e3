using System.Text.RegularExpressions;
using Lunet.Ffi.Libraries.Exports;

namespace Lunet.Tests.Exports;

/// <summary>
/// PE: a DLL cross-compiled with mingw-w64 from tests/native/exports_test_pe.c and .def, compared
/// with x86_64-w64-mingw32-objdump -p. Skipped where the cross compiler is missing, unless CI is set (MingwFactAttribute).
/// </summary>
public class PeExportTests
{
    private readonly record struct ObjdumpExport(int Index, int Ordinal, bool Forwarded, string? ForwardedTo);

    [MingwFact]
    public void MingwDllMatchesObjdump()
    {
        string dll = NativeTools.BuildPeTestLibrary();
        var (addressTable, namesByIndex) = ParseObjdumpExports(NativeTools.Run(NativeTools.MingwObjdump, $"-p \"{dll}\""));
        Assert.NotEmpty(addressTable);
        Assert.Contains(namesByIndex.Values, names => names.Contains("pe_data")); // objdump sees the DATA export

        // Expected: every address-table entry under each of its names (or "#ordinal"),
        // except the one the .def marks DATA.
        var expected = new List<ExportInfo>();
        foreach (var entry in addressTable)
        {
            var names = namesByIndex.TryGetValue(entry.Index, out var n) ? n : [$"#{entry.Ordinal}"];
            foreach (var name in names.Where(name => name != "pe_data"))
                expected.Add(new ExportInfo(name, entry.Ordinal, entry.ForwardedTo));
        }
        expected.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        Assert.Equal(expected, ExportReader.Read(dll));
    }

    [MingwFact]
    public void MingwDllShowsEachKindOfExportAsDocumented()
    {
        var exports = ExportReader.Read(NativeTools.BuildPeTestLibrary()).ToDictionary(e => e.Name);

        Assert.Null(exports["pe_add"].ForwardedTo);
        Assert.Equal(5, exports["pe_mul"].Ordinal);                         // "@5" in the .def
        Assert.Equal(new ExportInfo("#20", 20), exports["#20"]);              // pe_by_ordinal, NONAME
        Assert.Equal("kernel32.Sleep", exports["pe_forward"].ForwardedTo);
        Assert.DoesNotContain("pe_data", exports.Keys);                       // DATA
        Assert.DoesNotContain("pe_by_ordinal", exports.Keys);
        Assert.DoesNotContain("pe_not_exported", exports.Keys);
    }

    /// <summary>
    /// Reads objdump's "Export Address Table -- Ordinal Base N" lines
    /// ("[   3] +base[   8] 80a3 Forwarder RVA -- kernel32.Sleep") and the
    /// "[Ordinal/Name Pointer] Table" lines ("[   1] pe_add", the number being the address-table index).
    /// </summary>
    private static (List<ObjdumpExport>, Dictionary<int, List<string>>) ParseObjdumpExports(string output)
    {
        var addressTable = new List<ObjdumpExport>();
        var namesByIndex = new Dictionary<int, List<string>>();
        string section = "";
        foreach (var raw in output.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("Export Address Table -- ")) { section = "addresses"; continue; }
            if (line.StartsWith("[Ordinal/Name Pointer] Table")) { section = "names"; continue; }
            if (line.Length == 0 || !char.IsWhiteSpace(line[0])) { section = ""; continue; }

            if (section == "addresses")
            {
                var m = Regex.Match(line, @"^\s*\[\s*(\d+)\]\s*\+base\[\s*(\d+)\]\s+[0-9a-fA-F]+\s+(Export|Forwarder) RVA(?: -- (\S+))?");
                Assert.True(m.Success, $"unexpected objdump export line: {line}");
                bool forwarded = m.Groups[3].Value == "Forwarder";
                addressTable.Add(new ObjdumpExport(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value),
                    forwarded, forwarded ? m.Groups[4].Value : null));
            }
            else if (section == "names")
            {
                var m = Regex.Match(line, @"^\s*\[\s*(\d+)\]\s+(\S+)$");
                Assert.True(m.Success, $"unexpected objdump name line: {line}");
                int index = int.Parse(m.Groups[1].Value);
                (namesByIndex.TryGetValue(index, out var list) ? list : namesByIndex[index] = new()).Add(m.Groups[2].Value);
            }
        }
        return (addressTable, namesByIndex);
    }
}
