//! A ranked bar chart: one horizontal bar per named item, largest first, one item marked (a
//! contract beside similar bonds). Accessible as the charts of `charts.rs` are: an
//! `<svg role="img">` named by its title and description, the marked item told in text as well
//! as by a hatched bar, and a real table of the same numbers after it. Integer values only.

use std::fmt::Write;

use crate::charts::{escape, safe_id};

const WIDTH: i64 = 720;
/// Left of the bars: the labels sit before it, right-aligned.
const BARS_LEFT: i64 = 300;
/// Right end of the longest bar; its value is written after it.
const BARS_RIGHT: i64 = 600;
const ROW: i64 = 26;
const BAR_HEIGHT: i64 = 18;
const TOP: i64 = 8;
/// Longest label drawn (the table and the bar's tooltip have the full name).
const LABEL_CHARS_MAX: usize = 34;
/// Most items in one chart.
pub const ITEMS_MAX: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedItem {
    pub label: String,
    pub value: i64,
    /// The item the reader compares the others with.
    pub marked: bool,
}

pub struct RankedChart<'f> {
    /// Unique on the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Heading of the label column of the table.
    pub label_heading: String,
    /// Heading of the value column of the table.
    pub value_heading: String,
    /// Added after the marked item's label ("this contract"), so it is told in words.
    pub marked_note: String,
    pub items: Vec<RankedItem>,
    pub format: &'f dyn Fn(i64) -> String,
}

fn shortened(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS_MAX {
        return label.to_string();
    }
    let mut s: String = label.chars().take(LABEL_CHARS_MAX - 1).collect();
    s.push('…');
    s
}

impl RankedChart<'_> {
    /// The items, largest first (ties by label), at most [`ITEMS_MAX`]; the marked item is kept
    /// even when it would fall beyond the limit.
    pub fn ranked(&self) -> Vec<&RankedItem> {
        let mut items: Vec<&RankedItem> = self.items.iter().collect();
        items.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
        if items.len() > ITEMS_MAX {
            let marked: Vec<&RankedItem> = items[ITEMS_MAX..].iter().copied().filter(|i| i.marked).collect();
            items.truncate(ITEMS_MAX - marked.len().min(ITEMS_MAX));
            items.extend(marked);
        }
        items
    }

    fn label(&self, item: &RankedItem) -> String {
        if item.marked { format!("{} ({})", item.label, self.marked_note) } else { item.label.clone() }
    }

    pub fn svg(&self) -> String {
        let id = safe_id(&self.id);
        let items = self.ranked();
        let max = items.iter().map(|i| i.value).max().unwrap_or(0).max(1);
        let n = i64::try_from(items.len()).unwrap_or(0);
        let height = TOP * 2 + ROW * n.max(1);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-ranked" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" focusable="false">"#
        );
        let _ = write!(
            s,
            r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.description)
        );
        let _ = write!(
            s,
            r#"<defs><pattern id="{id}-p1" class="chart-pattern-1" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" class="chart-pattern-bg"/><path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6"/></pattern></defs>"#
        );
        let _ = write!(
            s,
            r#"<line class="chart-baseline" x1="{BARS_LEFT}" y1="{TOP}" x2="{BARS_LEFT}" y2="{}"/>"#,
            height - TOP
        );
        for (row, item) in items.iter().enumerate() {
            let y = TOP + ROW * i64::try_from(row).unwrap_or(0);
            let width =
                i64::try_from(i128::from(item.value.max(0)) * i128::from(BARS_RIGHT - BARS_LEFT) / i128::from(max))
                    .unwrap_or(0);
            // The marked bar is hatched; the others take the first series' colour.
            let (class, fill) = if item.marked {
                ("chart-marked", format!(r#" fill="url(#{id}-p1)""#))
            } else {
                ("chart-series-0", String::new())
            };
            let label = self.label(item);
            let value = (self.format)(item.value);
            let _ = write!(
                s,
                r#"<g class="{class}"><text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text><rect class="chart-bar" x="{BARS_LEFT}" y="{}" width="{width}" height="{BAR_HEIGHT}"{fill}><title>{}: {}</title></rect><text class="chart-value" x="{}" y="{}">{}</text></g>"#,
                BARS_LEFT - 8,
                y + 14,
                escape(&shortened(&label)),
                y + (ROW - BAR_HEIGHT) / 2,
                escape(&label),
                escape(&value),
                BARS_LEFT + width + 6,
                y + 14,
                escape(&value)
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The same numbers as a table, in the chart's order.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<div class="table-scroll" role="region" aria-label="{}" tabindex="0"><table class="chart-table"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="numeric">{}</th></tr></thead><tbody>"#,
            escape(&self.title),
            escape(&self.title),
            escape(&self.label_heading),
            escape(&self.value_heading)
        );
        for item in self.ranked() {
            let _ = write!(
                s,
                r#"<tr{}><th scope="row">{}</th><td class="numeric">{}</td></tr>"#,
                if item.marked { r#" class="marked""# } else { "" },
                escape(&self.label(item)),
                escape(&(self.format)(item.value))
            );
        }
        s.push_str("</tbody></table></div>");
        s
    }

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

    fn item(label: &str, value: i64, marked: bool) -> RankedItem {
        RankedItem { label: label.into(), value, marked }
    }

    fn chart(items: Vec<RankedItem>) -> RankedChart<'static> {
        RankedChart {
            id: "cap".into(),
            title: "Caps <EUR>".into(),
            description: "Largest first".into(),
            label_heading: "Bond".into(),
            value_heading: "Cap".into(),
            marked_note: "this contract".into(),
            items,
            format: &plain,
        }
    }

    #[test]
    fn bars_are_ranked_and_scaled_to_the_largest() {
        let c = chart(vec![item("Small", 100, false), item("Ours", 400, true), item("Big", 800, false)]);
        let order: Vec<&str> = c.ranked().iter().map(|i| i.label.as_str()).collect();
        assert_eq!(order, ["Big", "Ours", "Small"]);
        let svg = c.svg();
        let widths: Vec<i64> = svg
            .split(r#"<rect class="chart-bar""#)
            .skip(1)
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(widths, [300, 150, 37]);
        // The marked bar is hatched and named in words, in the chart and in the table.
        assert!(svg.contains(r#"fill="url(#cap-p1)""#));
        assert!(svg.contains("Ours (this contract)"));
        assert!(
            c.table().contains(
                r#"<tr class="marked"><th scope="row">Ours (this contract)</th><td class="numeric">400</td>"#
            )
        );
        assert!(svg.contains("Caps &lt;EUR&gt;"), "text is escaped");
    }

    #[test]
    fn the_marked_item_stays_when_there_are_too_many() {
        let mut items: Vec<RankedItem> = (0..30).map(|i| item(&format!("Bond {i:02}"), 1_000 + i, false)).collect();
        items.push(item("Ours", 1, true));
        let c = chart(items);
        let ranked = c.ranked();
        assert_eq!(ranked.len(), ITEMS_MAX);
        assert!(ranked.last().is_some_and(|i| i.marked));
    }

    #[test]
    fn long_labels_are_shortened_in_the_drawing_only() {
        let name = "A very long name of an impact bond somewhere in the world";
        let c = chart(vec![item(name, 5, false)]);
        assert!(c.svg().contains("A very long name of an impact bon…"));
        assert!(c.table().contains(name));
    }
}
