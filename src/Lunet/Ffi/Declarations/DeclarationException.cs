namespace Lunet.Ffi.Declarations;

/// <summary>A place in the declaration text: 1-based line and column.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>
/// The one error the declaration parser and the constant evaluator raise. Its message is
/// the whole Lua-facing text, "cdef:3:14: expected ';' near 'int'", so the caller turns it
/// into a Lua error unchanged.
/// </summary>
public sealed class DeclarationException : Exception
{
    public string ChunkName { get; }
    public SourcePosition Position { get; }
    /// <summary>The token the error was found at, as shown after "near", or null when none applies.</summary>
    public string? Near { get; }
    /// <summary>What was wrong, without the position prefix.</summary>
    public string Reason { get; }

    public DeclarationException(string chunkName, SourcePosition position, string reason, string? near)
        : base(Format(chunkName, position, reason, near))
    {
        ChunkName = chunkName;
        Position = position;
        Reason = reason;
        Near = near;
    }

    static string Format(string chunk, SourcePosition at, string reason, string? near) =>
        near == null ? $"{chunk}:{at.Line}:{at.Column}: {reason}" : $"{chunk}:{at.Line}:{at.Column}: {reason} near '{near}'";

    public override string ToString() => Message;
}
