using Lunet.Ffi.Libraries.Exports;
using Lunet.Interop;

namespace Lunet.Ffi.Libraries;

/// <summary>listExports for an open library: read the file the loader actually mapped.</summary>
internal static class LibraryExports
{
    public static IReadOnlyList<ExportInfo> Of(LoadedLibrary lib)
    {
        try
        {
            return ExportReader.Read(lib.Path);
        }
        catch (ExportFormatException e)
        {
            throw new LuaException($"listExports: {lib.Path}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new LuaException($"listExports: cannot read {lib.Path}: {e.Message}");
        }
    }
}
