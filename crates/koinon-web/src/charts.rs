//! Server-rendered, accessible SVG charts over periods: grouped bars and cumulative step lines.
//!
//! A chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
//! (`aria-labelledby` points at both), drawn from integer values only. Series differ by fill
//! pattern or dash pattern as well as by colour, and the legend names them in text, so colour
//! is never the only cue. Every chart comes with [`Chart::table`]: a real `<table>` of the same
//! numbers, which the page puts right after the chart. No inline style and no script: colours
//! and patterns come from classes in `static/style.css` (the Content-Security-Policy allows
//! styles from files only).
//!
//! Values below zero are drawn as zero (the table shows them as they are). The scale runs from
//! zero to the largest value (or reference line), so the largest value fills the plot height.

use std::fmt::Write;

/// Width of the drawing, in SVG user units (the SVG scales to its container). The height
/// grows with the rows of the legend, which sits under the period labels.
const WIDTH: i64 = 720;
/// The plot area inside the drawing.
const PLOT_LEFT: i64 = 110;
const PLOT_RIGHT: i64 = WIDTH - 20;
const PLOT_TOP: i64 = 24;
const PLOT_BOTTOM: i64 = 254;
/// Rough width of a character of the 13px labels, for spacing labels and legend entries.
const CHAR_WIDTH: i64 = 8;
/// Height of a row of the legend.
const LEGEND_ROW: i64 = 22;
/// Most period labels written under the axis (others are skipped evenly; the table has all).
const X_LABELS_MAX: usize = 12;
/// Most series in one chart (each needs its own pattern).
pub const SERIES_MAX: usize = 4;
/// Most periods in one chart (a 25-year contract paid monthly has 300).
pub const PERIODS_MAX: usize = 400;

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Bars side by side per period.
    Bars,
    /// A step line per series (values held until the next period): for running totals.
    Steps,
}

/// A named row of values, one per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// A horizontal line across the plot at `value` (a cap, a target), labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub value: i64,
}

/// A chart of series over periods, and the numbers to format its values with.
pub struct Chart<'f> {
    /// Unique on the page: the ids of the title, description and patterns derive from it.
    pub id: String,
    pub title: String,
    pub description: String,
    pub kind: ChartKind,
    /// The heading of the period column of the table.
    pub period_heading: String,
    pub periods: Vec<String>,
    pub series: Vec<Series>,
    pub reference: Option<Reference>,
    /// Formats a value for the axis and the table (money, counts), in the reader's locale.
    pub format: &'f dyn Fn(i64) -> String,
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An id safe in HTML and in `url(#...)`: ASCII letters, digits and `-` only.
pub(crate) fn safe_id(id: &str) -> String {
    let s: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) { s } else { format!("chart-{s}") }
}

impl Chart<'_> {
    fn periods(&self) -> usize {
        self.periods.len().min(PERIODS_MAX)
    }

    fn series(&self) -> &[Series] {
        &self.series[..self.series.len().min(SERIES_MAX)]
    }

    fn value(&self, series: &Series, period: usize) -> i64 {
        series.values.get(period).copied().unwrap_or(0).max(0)
    }

    /// The top of the scale: the largest value or reference, at least 1.
    pub fn scale_max(&self) -> i64 {
        let n = self.periods();
        let largest = self.series().iter().flat_map(|s| (0..n).map(|p| self.value(s, p))).max().unwrap_or(0);
        largest.max(self.reference.as_ref().map_or(0, |r| r.value)).max(1)
    }

    /// The y coordinate of `value` (0 at the bottom of the plot, the scale's top at its top).
    fn y(&self, value: i64) -> i64 {
        let height = i128::from(PLOT_BOTTOM - PLOT_TOP);
        let v = i128::from(value.clamp(0, self.scale_max()));
        let drop = v * height / i128::from(self.scale_max());
        PLOT_BOTTOM - i64::try_from(drop).unwrap_or(0)
    }

    /// The SVG. Text is escaped; nothing in it runs or styles inline.
    pub fn svg(&self) -> String {
        let id = safe_id(&self.id);
        let n = self.periods();
        let series = self.series();
        // The legend's entries, wrapped into rows under the period labels.
        let mut legend = Vec::with_capacity(series.len());
        let (mut x, mut y) = (PLOT_LEFT, PLOT_BOTTOM + 44);
        for ser in series {
            let width = 40 + CHAR_WIDTH * i64::try_from(ser.name.chars().count().min(60)).unwrap_or(60);
            if x > PLOT_LEFT && x + width > WIDTH {
                (x, y) = (PLOT_LEFT, y + LEGEND_ROW);
            }
            legend.push((x, y));
            x += width;
        }
        let height = y + 12;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" focusable="false">"#
        );
        let _ = write!(
            s,
            r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.description)
        );
        // Patterns: solid, diagonal hatching, dots, cross-hatching.
        let _ = write!(
            s,
            r#"<defs><pattern id="{id}-p1" class="chart-pattern-1" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" class="chart-pattern-bg"/><path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6"/></pattern><pattern id="{id}-p2" class="chart-pattern-2" patternUnits="userSpaceOnUse" width="6" height="6"><rect width="6" height="6" class="chart-pattern-bg"/><circle cx="3" cy="3" r="1.6"/></pattern><pattern id="{id}-p3" class="chart-pattern-3" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" class="chart-pattern-bg"/><path d="M0,0 L8,8 M8,0 L0,8"/></pattern></defs>"#
        );
        // Axis with five ticks from zero to the top of the scale.
        let max = self.scale_max();
        s.push_str(r#"<g class="chart-axis">"#);
        for i in 0..=4_i64 {
            let value = i128::from(max) * i128::from(i) / 4;
            let value = i64::try_from(value).unwrap_or(max);
            let y = self.y(value);
            let _ = write!(
                s,
                r#"<line class="chart-grid" x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}"/><text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
                PLOT_LEFT - 6,
                y + 4,
                escape(&(self.format)(value))
            );
        }
        let _ = write!(
            s,
            r#"<line class="chart-baseline" x1="{PLOT_LEFT}" y1="{PLOT_BOTTOM}" x2="{PLOT_RIGHT}" y2="{PLOT_BOTTOM}"/>"#
        );
        let slot = if n == 0 { 0 } else { (PLOT_RIGHT - PLOT_LEFT) / i64::try_from(n).unwrap_or(1) };
        let widest = self.periods.iter().take(n).map(|p| p.chars().count().min(40)).max().unwrap_or(0);
        let label_width = CHAR_WIDTH * i64::try_from(widest).unwrap_or(40) + 8;
        let fit = usize::try_from(if slot > 0 { (label_width + slot - 1) / slot } else { 1 }).unwrap_or(1);
        let every = n.div_ceil(X_LABELS_MAX).max(fit).max(1);
        for p in (0..n).step_by(every) {
            let x = PLOT_LEFT + slot * i64::try_from(p).unwrap_or(0) + slot / 2;
            let _ = write!(
                s,
                r#"<text class="chart-label" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
                PLOT_BOTTOM + 20,
                escape(&self.periods[p])
            );
        }
        s.push_str("</g>");

        match self.kind {
            ChartKind::Bars => {
                let k = i64::try_from(series.len().max(1)).unwrap_or(1);
                let gap = (slot / 8).max(1);
                let width = ((slot - 2 * gap) / k).max(1);
                for (i, ser) in series.iter().enumerate() {
                    let _ = write!(s, r#"<g class="chart-series-{i}" data-series="{}">"#, escape(&ser.name));
                    let fill = if i == 0 { String::new() } else { format!(r#" fill="url(#{id}-p{i})""#) };
                    for p in 0..n {
                        let v = self.value(ser, p);
                        let y = self.y(v);
                        let x = PLOT_LEFT
                            + slot * i64::try_from(p).unwrap_or(0)
                            + gap
                            + width * i64::try_from(i).unwrap_or(0);
                        let _ = write!(
                            s,
                            r#"<rect class="chart-bar" x="{x}" y="{y}" width="{width}" height="{}"{fill}><title>{}: {}, {}</title></rect>"#,
                            PLOT_BOTTOM - y,
                            escape(&self.periods[p]),
                            escape(&ser.name),
                            escape(&(self.format)(ser.values.get(p).copied().unwrap_or(0)))
                        );
                    }
                    s.push_str("</g>");
                }
            }
            ChartKind::Steps => {
                for (i, ser) in series.iter().enumerate() {
                    let mut d = String::new();
                    for p in 0..n {
                        let y = self.y(self.value(ser, p));
                        let x0 = PLOT_LEFT + slot * i64::try_from(p).unwrap_or(0);
                        let _ = write!(d, "{}{x0},{y} L{},{y} ", if p == 0 { "M" } else { "L" }, x0 + slot);
                    }
                    let _ = write!(
                        s,
                        r#"<g class="chart-series-{i}" data-series="{}"><path class="chart-line" d="{}"/></g>"#,
                        escape(&ser.name),
                        d.trim_end()
                    );
                }
            }
        }
        if let Some(r) = &self.reference {
            let y = self.y(r.value);
            let _ = write!(
                s,
                r#"<g class="chart-reference"><line x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}"/><text x="{PLOT_RIGHT}" y="{}" text-anchor="end">{}: {}</text></g>"#,
                y - 5,
                escape(&r.name),
                escape(&(self.format)(r.value))
            );
        }
        // The legend: a swatch with the series' pattern (or dash) and its name in text.
        for (i, (ser, (x, y))) in series.iter().zip(legend).enumerate() {
            let swatch = match self.kind {
                ChartKind::Bars => {
                    let fill = if i == 0 { String::new() } else { format!(r#" fill="url(#{id}-p{i})""#) };
                    format!(r#"<rect class="chart-bar" x="{x}" y="{}" width="16" height="16"{fill}/>"#, y - 13)
                }
                ChartKind::Steps => {
                    format!(r#"<line class="chart-line" x1="{x}" y1="{}" x2="{}" y2="{}"/>"#, y - 5, x + 22, y - 5)
                }
            };
            let _ = write!(
                s,
                r#"<g class="chart-legend chart-series-{i}">{swatch}<text x="{}" y="{y}">{}</text></g>"#,
                x + 26,
                escape(&ser.name)
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The same numbers as a table (periods down, series across), with a caption.
    pub fn table(&self) -> String {
        let id = safe_id(&self.id);
        let series = self.series();
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<div class="table-scroll" role="region" aria-labelledby="{id}-caption" tabindex="0"><table class="chart-table"><caption id="{id}-caption">{}</caption><thead><tr><th scope="col">{}</th>"#,
            escape(&self.title),
            escape(&self.period_heading)
        );
        for ser in series {
            let _ = write!(s, r#"<th scope="col" class="numeric">{}</th>"#, escape(&ser.name));
        }
        s.push_str("</tr></thead><tbody>");
        for p in 0..self.periods() {
            let _ = write!(s, r#"<tr><th scope="row">{}</th>"#, escape(&self.periods[p]));
            for ser in series {
                let _ = write!(
                    s,
                    r#"<td class="numeric">{}</td>"#,
                    escape(&(self.format)(ser.values.get(p).copied().unwrap_or(0)))
                );
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table></div>");
        s
    }

    /// The chart followed by its table, in a figure.
    pub fn figure(&self) -> String {
        format!(r#"<figure class="chart-figure">{}{}</figure>"#, self.svg(), self.table())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: i64) -> String {
        v.to_string()
    }

    fn chart(kind: ChartKind) -> Chart<'static> {
        Chart {
            id: "paid".into(),
            title: "Planned & paid".into(),
            description: "Per quarter <2026>".into(),
            kind,
            period_heading: "Quarter".into(),
            periods: vec!["2026-Q1".into(), "2026-Q2".into(), "2026-Q3".into()],
            series: vec![
                Series { name: "Planned".into(), values: vec![100, 400, 200] },
                Series { name: "Paid".into(), values: vec![0, 300, -50] },
            ],
            reference: None,
            format: &plain,
        }
    }

    /// The `(y, height)` of every bar, in order.
    fn bars(svg: &str) -> Vec<(i64, i64)> {
        svg.split("<rect class=\"chart-bar\" ")
            .skip(1)
            .filter(|r| r.contains("<title>"))
            .map(|r| {
                let attr = |name: &str| -> i64 {
                    let at = r.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
                    r[at..].split('"').next().expect("value").parse().expect("number")
                };
                (attr("y"), attr("height"))
            })
            .collect()
    }

    #[test]
    fn bars_are_scaled_so_the_largest_fills_the_plot() {
        let c = chart(ChartKind::Bars);
        let svg = c.svg();
        let b = bars(&svg);
        assert_eq!(b.len(), 6, "{svg}");
        let full = PLOT_BOTTOM - PLOT_TOP;
        assert_eq!(b[1], (PLOT_TOP, full), "400 is the largest: full height");
        assert_eq!(b[0].1, full / 4, "100 of 400");
        assert_eq!(b[2].1, full / 2, "200 of 400");
        assert_eq!(b[3].1, 0, "zero is no bar");
        assert_eq!(b[4].1, full * 3 / 4, "300 of 400");
        assert_eq!(b[5].1, 0, "negative values are drawn at zero");
        // Each bar names its period, series and value; the axis runs 0 to 400.
        assert!(svg.contains("<title>2026-Q2: Paid, 300</title>"), "{svg}");
        assert!(svg.contains(">400</text>") && svg.contains(">0</text>"), "{svg}");
    }

    #[test]
    fn a_chart_is_an_image_with_a_name_a_description_and_a_text_legend() {
        let svg = chart(ChartKind::Bars).svg();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains(r#"role="img" aria-labelledby="paid-title paid-desc""#), "{svg}");
        assert!(svg.contains(r#"<title id="paid-title">Planned &amp; paid</title>"#), "{svg}");
        assert!(svg.contains(r#"<desc id="paid-desc">Per quarter &lt;2026&gt;</desc>"#), "{svg}");
        // The second series is hatched, not only coloured, and both are named in the legend.
        assert!(svg.contains(r#"fill="url(#paid-p1)""#), "{svg}");
        assert!(svg.contains(">Planned</text>") && svg.contains(">Paid</text>"), "{svg}");
        assert!(!svg.contains("style=") && !svg.contains("<script"), "{svg}");
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let mut c = chart(ChartKind::Steps);
        c.series[0].name = "<script>alert(\"x\")</script>".into();
        c.periods[0] = "Q1 & 'Q2'".into();
        c.id = "x\" onload=\"alert(1)".into();
        let all = c.figure();
        assert!(!all.contains("<script>") && !all.contains("onload=\""), "{all}");
        assert!(all.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "{all}");
        assert!(all.contains("Q1 &amp; &#39;Q2&#39;"), "{all}");
    }

    #[test]
    fn the_table_has_the_same_numbers() {
        let t = chart(ChartKind::Bars).table();
        assert!(t.contains(r#"<caption id="paid-caption">Planned &amp; paid</caption>"#), "{t}");
        assert!(t.contains(r#"<th scope="col" class="numeric">Paid</th>"#), "{t}");
        assert!(
            t.contains(
                r#"<tr><th scope="row">2026-Q3</th><td class="numeric">200</td><td class="numeric">-50</td></tr>"#
            ),
            "{t}"
        );
    }

    #[test]
    fn steps_and_references_share_the_scale() {
        let mut c = chart(ChartKind::Steps);
        c.reference = Some(Reference { name: "Cap".into(), value: 800 });
        let svg = c.svg();
        // The cap is the top of the scale; 400 is half way.
        assert!(svg.contains(&format!(r#"<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}""#)), "{svg}");
        let half = PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) / 2;
        assert!(svg.contains(&format!(",{half} L")), "{svg}");
        assert!(svg.contains(">Cap: 800</text>"), "{svg}");
        assert_eq!(svg.matches("class=\"chart-line\" d=").count(), 2, "{svg}");
    }

    #[test]
    fn long_legends_wrap_and_period_labels_do_not_overlap() {
        let mut c = chart(ChartKind::Bars);
        c.series = (0..4).map(|i| Series { name: format!("A rather long series name {i}"), values: vec![1] }).collect();
        c.periods = (0..12).map(|i| format!("2026-Q{i}")).collect();
        let svg = c.svg();
        let rows: std::collections::BTreeSet<&str> = svg
            .split("<g class=\"chart-legend")
            .skip(1)
            .filter_map(|g| g.split("<text x=\"").nth(1)?.split("y=\"").nth(1)?.split('"').next())
            .collect();
        assert!(rows.len() >= 2, "the legend wraps: {rows:?}");
        let height: i64 = svg
            .split("viewBox=\"0 0 720 ")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|h| h.parse().ok())
            .expect("height");
        assert!(height > PLOT_BOTTOM + 44 + LEGEND_ROW, "the drawing grows with the legend: {height}");
        // Twelve labels of 7 characters do not fit under 12 slots of 47 units: every other one.
        assert_eq!(svg.matches("class=\"chart-label\"").count(), 6, "{svg}");
    }

    #[test]
    fn empty_and_huge_charts_do_not_panic() {
        let mut c = chart(ChartKind::Bars);
        c.periods.clear();
        c.series.clear();
        assert!(c.svg().ends_with("</svg>"));
        let mut c = chart(ChartKind::Bars);
        c.series[0].values = vec![i64::MAX, i64::MIN, 1];
        let b = bars(&c.svg());
        assert_eq!(b[0], (PLOT_TOP, PLOT_BOTTOM - PLOT_TOP));
        let c = Chart { periods: (0..1000).map(|i| i.to_string()).collect(), ..chart(ChartKind::Steps) };
        let svg = c.svg();
        assert!(svg.matches("class=\"chart-label\"").count() <= X_LABELS_MAX, "labels thinned");
    }
}
