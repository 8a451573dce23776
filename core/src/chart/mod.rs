//! Charts the core draws with plotters: SVG for the app to show, PNG when the user saves one.
//!
//! A [`Chart`] is plain data (a title, category labels, named series of integer values and the
//! unit they are in); the entity modules build one from SQL (`lead/charts.rs`) and this module
//! draws it. Keeping the data separate lets tests check what a chart says without parsing
//! pictures, and keeps plotters out of the entity code.
//!
//! - `draw.rs`: the layout (title, legend, axes, bars, value labels), the same for both backends.
//! - `tests.rs`: the documents the renderer writes, and the formatting of values.
//!
//! Values are integers like everywhere money and counts are stored: cents, whole counts, and
//! percentages in basis points. No floating point reaches a label.

use std::path::Path;

use crm_model::money::group_thousands;
use plotters::prelude::*;

use crate::{CoreError, Result};

mod draw;
#[cfg(test)]
mod tests;

/// The size of a chart in the app (CSS pixels; the SVG scales to its box through its viewBox).
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 450;
/// Saved PNGs are drawn at twice the size so that they stay sharp on high-density screens and
/// when pasted into a document.
const PNG_SCALE: u32 = 2;

/// A chart's data: everything a reader sees, nothing about how it is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    pub unit: Unit,
    /// What the categories are, e.g. "State" or "Expected close month".
    pub category_axis: String,
    /// What the values measure, e.g. "Leads" or "Weighted value".
    pub value_axis: String,
    pub categories: Vec<String>,
    /// Each with one value per category. More than one series gets a legend.
    pub series: Vec<Series>,
    /// Shown in place of the plot when there is nothing to draw, e.g. "No leads yet".
    pub empty_text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Vertical bars, side by side when there are several series.
    Bars,
    /// Vertical bars with the series stacked, the first at the bottom, and the total on top.
    StackedBars,
    /// Horizontal bars from the top stage down, each labelled with its share of the first stage.
    Funnel,
    /// A line through one point per category.
    Line,
}

/// What the values are, which decides how they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Whole things: "1,204".
    Count,
    /// Money in cents, shown in whole dollars: "$12,500".
    Cents,
    /// Basis points (1 % = 100), as percentages are stored everywhere: "66.7%".
    Percent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
    /// `None` takes the next colour of the palette.
    pub colour: Option<Rgb>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Colours that stay apart for readers with the common colour-vision deficiencies, and readable
/// on white (the Tableau 10 set, in its usual order).
pub const PALETTE: [Rgb; 8] = [
    Rgb(0x4e, 0x79, 0xa7),
    Rgb(0xf2, 0x8e, 0x2b),
    Rgb(0x59, 0xa1, 0x4f),
    Rgb(0xe1, 0x57, 0x59),
    Rgb(0xb0, 0x7a, 0xa1),
    Rgb(0x76, 0xb7, 0xb2),
    Rgb(0xed, 0xc9, 0x48),
    Rgb(0x9c, 0x75, 0x5f),
];

impl Chart {
    /// Nothing to draw: no categories, or every value zero (bars of height zero and an axis from
    /// 0 to 0 tell the reader less than a sentence does).
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() || self.series.iter().all(|s| s.values.iter().all(|v| *v == 0))
    }

    /// The chart as a small aligned table, values exact (cents to the cent): what tests compare.
    pub fn table(&self) -> String {
        let mut rows: Vec<Vec<String>> = vec![std::iter::once(String::new()).chain(self.series.iter().map(|s| s.name.clone())).collect()];
        for (category_idx, category) in self.categories.iter().enumerate() {
            let values = self.series.iter().map(|s| s.values.get(category_idx).map_or_else(String::new, |v| self.unit.exact(*v)));
            rows.push(std::iter::once(category.clone()).chain(values).collect());
        }
        let n_columns = rows[0].len();
        let widths: Vec<usize> = (0..n_columns).map(|col| rows.iter().map(|r| r[col].chars().count()).max().unwrap_or(0)).collect();
        let mut out = format!("{}\n", self.title);
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(col, cell)| if col == 0 { format!("{cell:<w$}", w = widths[col]) } else { format!("{cell:>w$}", w = widths[col]) })
                .collect();
            out.push_str(cells.join(" | ").trim_end());
            out.push('\n');
        }
        out
    }

    fn colour_of(&self, series_idx: usize) -> Rgb {
        self.series[series_idx].colour.unwrap_or(PALETTE[series_idx % PALETTE.len()])
    }
}

impl Unit {
    /// A value as an axis tick or a bar label shows it: "$12,500", "1,204", "66.7%".
    pub fn format(self, value: i64) -> String {
        let sign = if value < 0 { "-" } else { "" };
        let magnitude = value.unsigned_abs();
        match self {
            Unit::Count => format!("{sign}{}", group_thousands(magnitude)),
            // Whole dollars, rounded half up: cents on an axis are noise.
            Unit::Cents => format!("{sign}${}", group_thousands(magnitude.saturating_add(50) / 100)),
            Unit::Percent => {
                let tenths = magnitude.saturating_add(5) / 10;
                if tenths.is_multiple_of(10) { format!("{sign}{}%", tenths / 10) } else { format!("{sign}{}.{}%", tenths / 10, tenths % 10) }
            }
        }
    }

    /// The same, shortened for a narrow bar: "$12.5k", "$1.25M", "18k". Small values stay whole.
    pub fn format_short(self, value: i64) -> String {
        let (prefix, whole) = match self {
            Unit::Count => ("", value.unsigned_abs()),
            Unit::Cents => ("$", value.unsigned_abs().saturating_add(50) / 100),
            Unit::Percent => return self.format(value),
        };
        if whole < 10_000 {
            return self.format(value);
        }
        let sign = if value < 0 { "-" } else { "" };
        // Three significant digits: 12.5k, 125k, 1.25M, 12.5M, 125M, 1.25B.
        let (scaled, suffix) = if whole < 1_000_000 {
            (whole as f64 / 1e3, "k")
        } else if whole < 1_000_000_000 {
            (whole as f64 / 1e6, "M")
        } else {
            (whole as f64 / 1e9, "B")
        };
        let digits = if scaled >= 100.0 { 0 } else if scaled >= 10.0 { 1 } else { 2 };
        let text = format!("{scaled:.digits$}");
        let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
        format!("{sign}{prefix}{text}{suffix}")
    }

    /// Exact, for tables and tests: cents to the cent, percentages to the basis point.
    pub fn exact(self, value: i64) -> String {
        match self {
            Unit::Count => self.format(value),
            Unit::Cents => format!("${}", crm_model::money::format_cents(value)),
            Unit::Percent => {
                let sign = if value < 0 { "-" } else { "" };
                format!("{sign}{}%", crm_model::money::format_bp(u32::try_from(value.unsigned_abs()).unwrap_or(u32::MAX)))
            }
        }
    }
}

/// The chart as a complete SVG document, `WIDTH` x `HEIGHT` with a viewBox so it scales. Text
/// stays text (`font-family="sans-serif"`), so the app's own font draws it.
pub fn render_svg(chart: &Chart) -> Result<String> {
    draw::register_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw::draw(&root, chart, 1.0).map_err(drawing_error)?;
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// Save the chart as a PNG at `path`, drawn at twice the app's size. The picture is written to a
/// temporary file beside `path` and renamed over it only when complete, so a failure never
/// leaves half a picture (or destroys an older one).
pub fn render_png(chart: &Chart, path: &Path) -> Result<()> {
    draw::register_font()?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The ".png" suffix matters: the bitmap backend picks the encoder from the file extension,
    // whatever the user named the target. The file is closed (a path only) while the backend
    // writes it, which Windows needs.
    let temp = tempfile::Builder::new()
        .prefix(".chart.")
        .suffix(".png")
        .tempfile_in(folder)
        .map_err(|error| write_error(path, &error.to_string()))?
        .into_temp_path();
    {
        let root = BitMapBackend::new(&temp, (WIDTH * PNG_SCALE, HEIGHT * PNG_SCALE)).into_drawing_area();
        draw::draw(&root, chart, f64::from(PNG_SCALE)).map_err(drawing_error)?;
        root.present().map_err(|error| write_error(path, &error.to_string()))?;
    }
    temp.persist(path).map_err(|error| write_error(path, &error.error.to_string()))?;
    Ok(())
}

fn drawing_error(error: impl std::fmt::Display) -> CoreError {
    CoreError::Conflict(format!("The chart could not be drawn: {error}."))
}

fn write_error(path: &Path, error: &str) -> CoreError {
    CoreError::Conflict(format!(
        "Could not save the chart as {}: {error}. Check that the folder exists and is writable, then save again.",
        path.display()
    ))
}
