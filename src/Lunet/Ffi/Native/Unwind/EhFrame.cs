namespace Lunet.Ffi.Native.Unwind;

/// <summary>
/// The unwind data of one stub: first the stub's own language-specific data (LSDA: where the
/// guarded call returns and where it lands, from the start of the code), then the records the
/// system unwinder reads as from an .eh_frame section, from <see cref="RecordsOffset"/> on: a CIE
/// naming our personality routine, one FDE covering the stub's code with its
/// <see cref="DescribedFrame"/>'s instructions, and the zero word that ends them. Addresses in the records are relative to where they sit
/// (pcrel), so the code and its records are written together anywhere; only the personality
/// routine's address is absolute.
/// </summary>
internal static class EhFrame
{
    const byte PcRelSData4 = 0x1B, AbsPtr = 0x00;
    const byte DefCfa = 0x0C, OffsetReturnAddress = 0x80 | ReturnAddressColumn, Nop = 0;
    const int ReturnAddressColumn = 16, RspColumn = 7;

    /// <summary>Where the records start: after the language-specific data (the guarded call's return and its landing, 4 bytes each).</summary>
    public const int RecordsOffset = 8;

    /// <summary>
    /// The records for <paramref name="codeLength"/> bytes of code described by <paramref name="frame"/>,
    /// to be placed <paramref name="at"/> bytes after the code's start (a multiple of 8).
    /// </summary>
    public static byte[] Build(DescribedFrame frame, int codeLength, int at, nint personality)
    {
        if (frame.GuardedReturn < 0 || frame.Landing is not { Position: >= 0 } landing)
            throw new InvalidOperationException("a described frame needs its guarded call and its landing");
        var b = new List<byte>(128);
        S32(b, frame.GuardedReturn);
        S32(b, landing.Position);

        // CIE: augmentation "zPLR": a personality (absolute), LSDA and FDE addresses pcrel.
        int cie = b.Count;
        U32(b, 0);                                  // length, patched below
        U32(b, 0);                                  // CIE id
        b.Add(1);                                   // version
        b.AddRange("zPLR\0"u8.ToArray());
        b.Add(1);                                   // code alignment
        b.Add(0x78);                                // data alignment: -8 (SLEB128)
        b.Add(ReturnAddressColumn);
        b.Add(1 + 8 + 1 + 1);                       // augmentation data length
        b.Add(AbsPtr);
        b.AddRange(BitConverter.GetBytes((long)personality));
        b.Add(PcRelSData4);                         // L
        b.Add(PcRelSData4);                         // R
        b.AddRange([DefCfa, RspColumn, 8]);         // at entry: CFA = rsp + 8
        b.AddRange([OffsetReturnAddress, 1]);       // the return address at CFA - 8
        Close(b, cie);

        // FDE: the whole code, then the frame's instructions.
        int fde = b.Count;
        U32(b, 0);
        U32(b, b.Count - cie);                      // back to the CIE, from this field
        S32(b, -(at + b.Count));                    // pc_begin: the code's start, pcrel
        S32(b, codeLength);                         // pc_range
        b.Add(4);                                   // augmentation data length: the LSDA pointer
        S32(b, -b.Count);                           // the LSDA, at the start, pcrel
        b.AddRange(frame.Instructions);
        Close(b, fde);

        U32(b, 0);                                  // the end of the records
        return b.ToArray();
    }

    /// <summary>Pads a record with no-ops to a multiple of 8 bytes and writes its length (which excludes the length word).</summary>
    static void Close(List<byte> b, int start)
    {
        while ((b.Count - start) % 8 != 0) b.Add(Nop);
        BitConverter.TryWriteBytes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b).Slice(start, 4), b.Count - start - 4);
    }

    static void U32(List<byte> b, int v) => b.AddRange(BitConverter.GetBytes((uint)v));
    static void S32(List<byte> b, int v) => b.AddRange(BitConverter.GetBytes(v));
}
