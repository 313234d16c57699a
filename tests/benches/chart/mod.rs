//! A bar chart as a self-contained SVG: one group of bars per concurrency, the reqwest value
//! drawn as a line across each group.

use std::fmt::Write as _;

/// One bar: a label and a value in microseconds per call.
pub(crate) struct Bar<'a> {
    pub(crate) label: &'a str,
    pub(crate) micros: f64,
}

/// Writes a chart with one panel per `(title, bars, reqwest)`.
pub(crate) fn svg(panels: &[(String, Vec<Bar<'_>>, f64)]) -> String {
    let (width, panel_height, bar_height, left) = (760.0, 40.0, 22.0, 250.0);
    let rows: usize = panels.iter().map(|(_, bars, _)| bars.len()).sum();
    let height = 40.0 + panels.len() as f64 * panel_height + rows as f64 * (bar_height + 6.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let mut y = 20.0;
    for (title, bars, reqwest) in panels {
        let max = bars.iter().map(|b| b.micros).fold(*reqwest, f64::max) * 1.15;
        let scale = (width - left - 90.0) / max;
        let _ = writeln!(
            out,
            r#"<text x="10" y="{y}" font-weight="bold">{title}</text>"#
        );
        y += 14.0;
        let top = y;
        for bar in bars {
            let w = bar.micros * scale;
            let ratio = bar.micros / reqwest;
            let fill = if bar.label.starts_with("ferrofit") {
                "#c0392b"
            } else {
                "#7f8c8d"
            };
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{w:.1}" height="{bar_height}" fill="{fill}"/><text x="{:.1}" y="{}">{:.1} µs ({ratio:.2}×)</text>"#,
                left - 8.0,
                y + 15.0,
                bar.label,
                left + w + 6.0,
                y + 15.0,
                bar.micros
            );
            y += bar_height + 6.0;
        }
        let x = left + reqwest * scale;
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#2c3e50" stroke-dasharray="4 3"/><text x="{:.1}" y="{}" fill="#2c3e50">reqwest</text>"##,
            top - 4.0,
            y - 2.0,
            x + 3.0,
            top + 6.0
        );
        y += panel_height - 14.0;
    }
    out.push_str("</svg>\n");
    out
}
