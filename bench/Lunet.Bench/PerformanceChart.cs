using System.Globalization;
using System.Net;
using System.Text;

namespace Lunet.Bench;

/// <summary>
/// The benchmark's table as a picture: for each shape, a bar for Lunet and one for the
/// floor (ns per operation, on one scale), and the ratio written beside them. Plain SVG
/// with no script or external font, so it renders the same on a repository page and in a
/// browser.
/// </summary>
static class PerformanceChart
{
    public readonly record struct Row(string Label, double LunetNs, double FloorNs);

    const int LabelWidth = 240, BarArea = 430, RatioWidth = 70, BarHeight = 11, RowGap = 10, Top = 54, Left = 10;
    const string LunetColour = "#3b6fb6", FloorColour = "#b0b0b0";

    public static string Svg(IReadOnlyList<Row> rows, string subtitle)
    {
        double max = rows.Count == 0 ? 1 : rows.Max(r => Math.Max(r.LunetNs, r.FloorNs));
        double scale = NiceCeiling(max);
        int rowHeight = 2 * BarHeight + RowGap;
        int width = Left + LabelWidth + BarArea + RatioWidth + 10;
        int height = Top + rows.Count * rowHeight + 34;
        var s = new StringBuilder();
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        s.AppendLine($"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">""");
        s.AppendLine($"""<rect width="{width}" height="{height}" fill="white"/>""");
        s.AppendLine($"""<text x="{Left}" y="18" font-size="14" font-weight="bold">ns per operation: Lunet beside the floor (a hand-written Lua C function)</text>""");
        s.AppendLine($"""<text x="{Left}" y="34" fill="#555">{Escape(subtitle)}</text>""");
        int legendX = Left + LabelWidth;
        s.AppendLine($"""<rect x="{legendX}" y="40" width="10" height="10" fill="{LunetColour}"/><text x="{legendX + 14}" y="49">Lunet</text>""");
        s.AppendLine($"""<rect x="{legendX + 70}" y="40" width="10" height="10" fill="{FloorColour}"/><text x="{legendX + 84}" y="49">floor</text>""");
        s.AppendLine($"""<text x="{Left + LabelWidth + BarArea + 6}" y="49" fill="#555">× floor</text>""");

        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            int y = Top + i * rowHeight;
            double lunet = BarArea * r.LunetNs / scale, floor = BarArea * r.FloorNs / scale;
            s.AppendLine($"""<text x="{Left + LabelWidth - 6}" y="{y + BarHeight + 4}" text-anchor="end">{Escape(r.Label)}</text>""");
            s.AppendLine($"""<rect x="{Left + LabelWidth}" y="{y}" width="{F(lunet)}" height="{BarHeight}" fill="{LunetColour}"><title>{Escape(r.Label)}: Lunet {F(r.LunetNs)} ns</title></rect>""");
            s.AppendLine($"""<text x="{F(Left + LabelWidth + lunet + 4)}" y="{y + BarHeight - 1}" font-size="10">{F(r.LunetNs)}</text>""");
            s.AppendLine($"""<rect x="{Left + LabelWidth}" y="{y + BarHeight}" width="{F(floor)}" height="{BarHeight}" fill="{FloorColour}"><title>{Escape(r.Label)}: floor {F(r.FloorNs)} ns</title></rect>""");
            s.AppendLine($"""<text x="{F(Left + LabelWidth + floor + 4)}" y="{y + 2 * BarHeight - 1}" font-size="10" fill="#555">{F(r.FloorNs)}</text>""");
            string ratio = r.FloorNs > 0 ? (r.LunetNs / r.FloorNs).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "";
            s.AppendLine($"""<text x="{Left + LabelWidth + BarArea + 6}" y="{y + BarHeight + 4}">{ratio}</text>""");
        }

        // The axis: 0 and the scale's end, with a tick at each quarter.
        int axisY = Top + rows.Count * rowHeight + 2;
        s.AppendLine($"""<line x1="{Left + LabelWidth}" y1="{axisY}" x2="{Left + LabelWidth + BarArea}" y2="{axisY}" stroke="#888"/>""");
        for (int q = 0; q <= 4; q++)
        {
            double x = Left + LabelWidth + BarArea * q / 4.0;
            s.AppendLine($"""<line x1="{F(x)}" y1="{axisY}" x2="{F(x)}" y2="{axisY + 4}" stroke="#888"/><text x="{F(x)}" y="{axisY + 16}" text-anchor="middle" font-size="10" fill="#555">{F(scale * q / 4)} ns</text>""");
        }
        s.AppendLine("</svg>");
        return s.ToString();
    }

    /// <summary>The smallest of 1, 2, 2.5 or 5 × a power of ten at or above <paramref name="v"/>: a readable axis end.</summary>
    static double NiceCeiling(double v)
    {
        if (v <= 0) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
            if (m * p >= v) return m * p;
        return 10 * p;
    }

    static string Escape(string s) => WebUtility.HtmlEncode(s);
}
