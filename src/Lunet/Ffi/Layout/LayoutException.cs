namespace Lunet.Ffi.Layout;

/// <summary>A record description that C does not allow or that no layout could hold; the message says what.</summary>
public sealed class LayoutException(string message) : Exception(message);
