//! Laying out and drawing a [`Chart`] on any plotters backend (SVG for the app, bitmap for PNG).
//!
//! Plotters draws the value axis (ticks, grid, axis titles) and the marks; the category labels,
//! value labels, legend and title are placed here, because plotters' own would overlap: it does
//! not wrap or thin category labels, and its legend box sits on top of the bars.
//!
//! Every length is in app pixels times `scale`, so the PNG (drawn at twice the size) has the
//! same layout as the SVG.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, ChartKind, Rgb, Unit};
use crate::{CoreError, Result};

/// The font plotters measures (and, for PNG, draws) text with: DejaVu Sans, embedded.
///
/// Why embedded rather than found on the system: plotters' `ttf` feature finds system fonts
/// through font-kit, which needs fontconfig and freetype development packages at build time;
/// its `ab_glyph` feature is pure Rust but needs the font's bytes. Reading a font from system
/// paths would work on Debian (fonts-dejavu-core) but needs a different list of paths on Windows
/// and macOS, fails on a machine without that package, and makes the layout (label widths,
/// where text is cut) depend on the machine, so snapshots would differ between a laptop and CI.
/// Embedding costs 760 kB in the binary and makes charts identical everywhere, with no setup.
/// DejaVu Sans is under the Bitstream Vera licence (DejaVu's changes are public domain), which
/// allows redistribution bundled with software; the notice is in `core/assets/`. It covers Latin,
/// Greek and Cyrillic, so program and source names in those scripts draw correctly in PNGs.
/// The SVG keeps text as text with `font-family="sans-serif"`: the app's own font draws it, and
/// DejaVu's metrics only decide the layout.
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family name the font is registered under, and so the name the SVG asks for.
const FAMILY: &str = "sans-serif";

pub(super) fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if registered { Ok(()) } else { Err(CoreError::Conflict("The chart font built into the app could not be read, so charts cannot be drawn.".into())) }
}

type DrawResult<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const MUTED: RGBColor = RGBColor(0x6b, 0x72, 0x80);
const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
const AXIS: RGBColor = RGBColor(0x9c, 0xa3, 0xaf);

// Font sizes in plotters' unit (about the line height; the SVG's font-size is this / 1.24).
const TITLE_SIZE: f64 = 24.0;
const LABEL_SIZE: f64 = 16.0;
const AXIS_TITLE_SIZE: f64 = 17.0;
const VALUE_SIZE: f64 = 15.0;
const EMPTY_SIZE: f64 = 22.0;

const MARGIN_LEFT: f64 = 16.0;
const MARGIN_RIGHT: f64 = 28.0;
const MARGIN_BOTTOM: f64 = 12.0;
const TICK: f64 = 4.0;
/// A category label longer than this is cut with an ellipsis (a 200-character program name must
/// not squeeze the plot to nothing).
const LABEL_MAX_WIDTH: f64 = 170.0;
/// Each category is this many units of an integer axis wide. (Plotters cannot format an `f64`
/// axis with custom key points, and the category axis needs none: its labels are drawn here.)
const SPAN: i64 = 1_000;

/// A position along the category axis, in categories (0.5 is the middle of the first).
fn at(categories: f64) -> i64 {
    (categories * SPAN as f64).round() as i64
}

/// Lengths and text styles at one scale.
struct Layout {
    scale: f64,
}

impl Layout {
    fn px(&self, length: f64) -> i32 {
        (length * self.scale).round() as i32
    }

    fn font(&self, size: f64) -> FontDesc<'static> {
        FontDesc::new(FontFamily::SansSerif, size * self.scale, FontStyle::Normal)
    }

    fn text(&self, size: f64, colour: &RGBColor, h_pos: HPos, v_pos: VPos) -> TextStyle<'static> {
        self.font(size).color(colour).pos(Pos::new(h_pos, v_pos))
    }

    fn width(&self, text: &str, size: f64) -> i32 {
        // Measuring only fails without a registered font, which `register_font` rules out; a
        // rough estimate still gives a usable layout.
        self.font(size).box_size(text).map_or_else(|_| (text.chars().count() as f64 * size * self.scale * 0.6) as i32, |(w, _)| w as i32)
    }

    /// `text`, cut with an ellipsis to at most `max_width` pixels.
    fn fit(&self, text: &str, size: f64, max_width: i32) -> String {
        if self.width(text, size) <= max_width {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let candidate = format!("{}…", chars.iter().collect::<String>().trim_end());
            if self.width(&candidate, size) <= max_width {
                return candidate;
            }
        }
        "…".to_owned()
    }
}

fn colour(rgb: Rgb) -> RGBColor {
    RGBColor(rgb.0, rgb.1, rgb.2)
}

pub(super) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart, scale: f64) -> DrawResult<DB> {
    let layout = Layout { scale };
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    root.fill(&WHITE)?;

    let title = layout.fit(&chart.title, TITLE_SIZE, width - layout.px(2.0 * MARGIN_RIGHT));
    let title_style = layout.font(TITLE_SIZE).style(FontStyle::Bold).color(&INK).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(&title, &title_style, (width / 2, layout.px(14.0)))?;
    let mut top = layout.px(14.0 + TITLE_SIZE + 14.0);

    if chart.is_empty() {
        let style = layout.text(EMPTY_SIZE, &MUTED, HPos::Center, VPos::Center);
        return root.draw_text(&chart.empty_text, &style, (width / 2, (top + height) / 2));
    }
    if chart.series.len() > 1 {
        draw_legend(root, chart, &layout, top)?;
        top += layout.px(LABEL_SIZE + 14.0);
    }
    match chart.kind {
        ChartKind::Bars | ChartKind::StackedBars | ChartKind::Line => draw_vertical(root, chart, &layout, top),
        ChartKind::Funnel => draw_funnel(root, chart, &layout, top),
    }
}

/// One row of swatches and series names, centred under the title (never over the data).
fn draw_legend<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart, layout: &Layout, top: i32) -> DrawResult<DB> {
    let swatch = layout.px(12.0);
    let (gap, spacing) = (layout.px(6.0), layout.px(22.0));
    let names: Vec<String> = chart.series.iter().map(|s| layout.fit(&s.name, LABEL_SIZE, layout.px(LABEL_MAX_WIDTH))).collect();
    let widths: Vec<i32> = names.iter().map(|name| layout.width(name, LABEL_SIZE)).collect();
    let total: i32 = widths.iter().map(|w| swatch + gap + w).sum::<i32>() + spacing * (names.len() as i32 - 1);
    let mut x = (root.dim_in_pixel().0 as i32 - total) / 2;
    let middle = top + layout.px(LABEL_SIZE / 2.0);
    let style = layout.text(LABEL_SIZE, &INK, HPos::Left, VPos::Center);
    for (series_idx, (name, name_width)) in names.iter().zip(widths).enumerate() {
        let fill = colour(chart.colour_of(series_idx)).filled();
        root.draw(&Rectangle::new([(x, middle - swatch / 2), (x + swatch, middle + swatch / 2)], fill))?;
        root.draw_text(name, &style, (x + swatch + gap, middle))?;
        x += swatch + gap + name_width + spacing;
    }
    Ok(())
}

/// Bars, stacked bars and lines: categories along the bottom, values up the left.
fn draw_vertical<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart, layout: &Layout, top: i32) -> DrawResult<DB> {
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let n_categories = chart.categories.len();
    let unit = chart.unit;
    // What each category's value label says, and the height it stands on.
    let tops: Vec<i64> = (0..n_categories)
        .map(|category_idx| {
            let values = chart.series.iter().map(|s| s.values.get(category_idx).copied().unwrap_or(0).max(0));
            if chart.kind == ChartKind::StackedBars { values.sum() } else { values.max().unwrap_or(0) }
        })
        .collect();
    let max = tops.iter().copied().max().unwrap_or(0).max(1);
    let ticks = value_ticks(unit, max);

    let tick_label_width = ticks.iter().map(|t| layout.width(&unit.format(*t), LABEL_SIZE)).max().unwrap_or(0);
    let value_area = layout.px(AXIS_TITLE_SIZE + 10.0) + tick_label_width + layout.px(3.0 * TICK);
    let plot_left = layout.px(MARGIN_LEFT) + value_area;
    let segment = f64::from(width - layout.px(MARGIN_RIGHT) - plot_left) / n_categories as f64;
    let (category_lines, n_lines) = fit_categories(layout, &chart.categories, segment);
    let line_height = layout.px(LABEL_SIZE * 1.05);
    let category_area = layout.px(8.0) + n_lines as i32 * line_height + layout.px(8.0 + AXIS_TITLE_SIZE);

    // Leave room above the highest mark for its value label.
    let plot_height = height - top - layout.px(MARGIN_BOTTOM) - category_area;
    let headroom = layout.px(VALUE_SIZE + 8.0);
    let range_top = needed_range(max, plot_height, headroom).max(*ticks.last().unwrap_or(&1));

    let area = root.margin(top, layout.px(MARGIN_BOTTOM), layout.px(MARGIN_LEFT), layout.px(MARGIN_RIGHT));
    let mut plot = ChartBuilder::on(&area)
        .x_label_area_size(category_area)
        .y_label_area_size(value_area)
        .build_cartesian_2d((0..n_categories as i64 * SPAN).with_key_points(Vec::new()), (0..range_top).with_key_points(ticks))?;
    let format_value = |value: &i64| unit.format(*value);
    plot.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID.stroke_width(layout.px(1.0).max(1) as u32))
        .axis_style(AXIS.stroke_width(layout.px(1.0).max(1) as u32))
        .set_all_tick_mark_size(layout.px(TICK))
        .label_style(layout.text(LABEL_SIZE, &INK, HPos::Center, VPos::Center))
        .axis_desc_style(layout.text(AXIS_TITLE_SIZE, &MUTED, HPos::Center, VPos::Center))
        .y_label_formatter(&format_value)
        .x_desc(chart.category_axis.as_str())
        .y_desc(chart.value_axis.as_str())
        .draw()?;

    // The marks, and where each value label goes: (text, value, x in categories, room across in
    // categories). A label may be wider than its bar, up to the gap to the next label.
    let mut value_labels: Vec<(String, i64, f64, f64)> = Vec::new();
    match chart.kind {
        ChartKind::Bars => {
            let group = 0.66;
            let bar = group / chart.series.len() as f64;
            let across = if chart.series.len() == 1 { 1.0 } else { bar };
            for (series_idx, series) in chart.series.iter().enumerate() {
                let fill = colour(chart.colour_of(series_idx)).filled();
                let bars = series.values.iter().take(n_categories).enumerate().map(|(category_idx, value)| {
                    let x0 = category_idx as f64 + (1.0 - group) / 2.0 + series_idx as f64 * bar;
                    value_labels.push((unit.format(*value), (*value).max(0), x0 + bar / 2.0, across));
                    Rectangle::new([(at(x0), 0), (at(x0 + bar), (*value).max(0))], fill)
                });
                plot.draw_series(bars)?;
            }
        }
        ChartKind::StackedBars => {
            let (x_start, bar) = (0.2, 0.6);
            let mut base = vec![0_i64; n_categories];
            for (series_idx, series) in chart.series.iter().enumerate() {
                let fill = colour(chart.colour_of(series_idx)).filled();
                let bars = series.values.iter().zip(base.iter_mut()).enumerate().map(|(category_idx, (value, base))| {
                    let x0 = category_idx as f64 + x_start;
                    let bottom = *base;
                    *base += (*value).max(0);
                    Rectangle::new([(at(x0), bottom), (at(x0 + bar), *base)], fill)
                });
                plot.draw_series(bars)?;
            }
            value_labels.extend(tops.iter().enumerate().map(|(category_idx, total)| (unit.format(*total), *total, category_idx as f64 + 0.5, 1.0)));
        }
        // A funnel never comes here (`draw_funnel`); drawn as a line it would still read.
        ChartKind::Line | ChartKind::Funnel => {
            for (series_idx, series) in chart.series.iter().enumerate() {
                let line_colour = colour(chart.colour_of(series_idx));
                let points: Vec<(i64, i64)> = series.values.iter().take(n_categories).enumerate().map(|(category_idx, value)| (at(category_idx as f64 + 0.5), *value)).collect();
                plot.draw_series(LineSeries::new(points.clone(), line_colour.stroke_width(layout.px(3.0) as u32)))?;
                plot.draw_series(points.iter().map(|point| Circle::new(*point, layout.px(4.5), line_colour.filled())))?;
                value_labels.extend(points.iter().enumerate().map(|(category_idx, (_, value))| (unit.format(*value), *value, category_idx as f64 + 0.5, 1.0)));
            }
        }
    }

    // Value labels, all in the full format, or all shortened, or none if even that is too wide:
    // mixed formats, or labels running into each other, read worse than none.
    let room = |across: f64| (segment * across) as i32 - layout.px(6.0);
    let fits = |labels: &[(String, i64, f64, f64)]| labels.iter().all(|(text, _, _, across)| layout.width(text, VALUE_SIZE) <= room(*across));
    if !fits(&value_labels) {
        for label in &mut value_labels {
            label.0 = unit.format_short(label.1);
        }
    }
    if fits(&value_labels) {
        let above = layout.text(VALUE_SIZE, &INK, HPos::Center, VPos::Bottom);
        let below = layout.text(VALUE_SIZE, &INK, HPos::Center, VPos::Top);
        let values: Vec<i64> = value_labels.iter().map(|label| label.1).collect();
        for (label_idx, (text, value, x, _)) in value_labels.iter().enumerate() {
            let (x_px, y_px) = plot.backend_coord(&(at(*x), *value));
            if chart.kind != ChartKind::Line {
                root.draw_text(text, &above, (x_px, y_px - layout.px(6.0)))?;
                continue;
            }
            // On a line, a label goes below a dip (above it, the line would run through it) and
            // above anything else, on a white patch so that a steep segment cannot cross it.
            let is_dip = |neighbour: Option<&i64>| neighbour.is_none_or(|n| *n > *value);
            let dip = *value > 0 && is_dip(label_idx.checked_sub(1).and_then(|i| values.get(i))) && is_dip(values.get(label_idx + 1));
            let (style, y_text) = if dip { (&below, y_px + layout.px(9.0)) } else { (&above, y_px - layout.px(9.0)) };
            let (text_width, text_height) = (layout.width(text, VALUE_SIZE), layout.px(VALUE_SIZE * 0.8));
            let (y0, y1) = if dip { (y_text, y_text + text_height) } else { (y_text - text_height, y_text) };
            let pad = layout.px(2.0);
            root.draw(&Rectangle::new([(x_px - text_width / 2 - pad, y0 - pad), (x_px + text_width / 2 + pad, y1 + pad)], WHITE.filled()))?;
            root.draw_text(text, style, (x_px, y_text))?;
        }
    }

    let (_, plot_y) = plot.plotting_area().get_pixel_range();
    let style = layout.text(LABEL_SIZE, &INK, HPos::Center, VPos::Top);
    for (category_idx, lines) in category_lines.iter().enumerate() {
        let (x_px, _) = plot.backend_coord(&(at(category_idx as f64 + 0.5), 0));
        for (line_idx, line) in lines.iter().enumerate() {
            root.draw_text(line, &style, (x_px, plot_y.end + layout.px(8.0) + line_idx as i32 * line_height))?;
        }
    }
    Ok(())
}

/// Horizontal bars, the first stage at the top, each labelled with its count and its share of
/// the first stage ("60 (50%)").
fn draw_funnel<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart, layout: &Layout, top: i32) -> DrawResult<DB> {
    let (width, _) = root.dim_in_pixel();
    let n_stages = chart.categories.len();
    let unit = chart.unit;
    let values: Vec<i64> = (0..n_stages).map(|stage| chart.series.first().and_then(|s| s.values.get(stage)).copied().unwrap_or(0).max(0)).collect();
    let first = values.first().copied().unwrap_or(0);
    let labels: Vec<String> = values
        .iter()
        .map(|value| {
            if first > 0 {
                let share_bp = (value * 10_000 + first / 2) / first;
                format!("{} ({})", unit.format(*value), Unit::Percent.format(share_bp))
            } else {
                unit.format(*value)
            }
        })
        .collect();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let ticks = value_ticks(unit, max);

    let stage_names: Vec<String> = chart.categories.iter().map(|name| layout.fit(name, LABEL_SIZE, layout.px(LABEL_MAX_WIDTH))).collect();
    let name_width = stage_names.iter().map(|name| layout.width(name, LABEL_SIZE)).max().unwrap_or(0);
    let stage_area = layout.px(AXIS_TITLE_SIZE + 10.0) + name_width + layout.px(10.0);
    let value_area = layout.px(8.0 + LABEL_SIZE + 8.0 + AXIS_TITLE_SIZE);
    // Leave room right of the longest bar for its label.
    let plot_width = width as i32 - layout.px(MARGIN_LEFT + MARGIN_RIGHT) - stage_area;
    let label_room = labels.iter().map(|label| layout.width(label, VALUE_SIZE)).max().unwrap_or(0) + layout.px(12.0);
    let range_top = needed_range(max, plot_width, label_room).max(*ticks.last().unwrap_or(&1));

    let area = root.margin(top, layout.px(MARGIN_BOTTOM), layout.px(MARGIN_LEFT), layout.px(MARGIN_RIGHT));
    let mut plot = ChartBuilder::on(&area)
        .x_label_area_size(value_area)
        .y_label_area_size(stage_area)
        .build_cartesian_2d((0..range_top).with_key_points(ticks), (0..n_stages as i64 * SPAN).with_key_points(Vec::new()))?;
    let format_value = |value: &i64| unit.format(*value);
    plot.configure_mesh()
        .disable_y_mesh()
        .bold_line_style(GRID.stroke_width(layout.px(1.0).max(1) as u32))
        .axis_style(AXIS.stroke_width(layout.px(1.0).max(1) as u32))
        .set_all_tick_mark_size(layout.px(TICK))
        .label_style(layout.text(LABEL_SIZE, &INK, HPos::Center, VPos::Center))
        .axis_desc_style(layout.text(AXIS_TITLE_SIZE, &MUTED, HPos::Center, VPos::Center))
        .x_label_formatter(&format_value)
        .x_desc(chart.value_axis.as_str())
        .y_desc(chart.category_axis.as_str())
        .draw()?;

    // Stage `i` (0 = the first) sits in the band from n - 1 - i to n - i, counted from the bottom.
    let band_middle = |stage: usize| (n_stages - stage) as f64 - 0.5;
    let fill = colour(chart.colour_of(0)).filled();
    plot.draw_series(values.iter().enumerate().map(|(stage, value)| {
        let middle = band_middle(stage);
        Rectangle::new([(0, at(middle - 0.32)), (*value, at(middle + 0.32))], fill)
    }))?;
    let name_style = layout.text(LABEL_SIZE, &INK, HPos::Right, VPos::Center);
    let value_style = layout.text(VALUE_SIZE, &INK, HPos::Left, VPos::Center);
    for (stage, (name, (label, value))) in stage_names.iter().zip(labels.iter().zip(&values)).enumerate() {
        let (x_px, y_px) = plot.backend_coord(&(0, at(band_middle(stage))));
        root.draw_text(name, &name_style, (x_px - layout.px(8.0), y_px))?;
        let (end_px, _) = plot.backend_coord(&(*value, at(band_middle(stage))));
        root.draw_text(label, &value_style, (end_px + layout.px(6.0), y_px))?;
    }
    Ok(())
}

/// The category labels as lines under each category: on one line if they all fit, else on two
/// (split at the space nearest the middle), else every k-th label on one line. Returns the lines
/// per category (empty for a skipped one) and the number of lines the area needs.
fn fit_categories(layout: &Layout, categories: &[String], segment: f64) -> (Vec<Vec<String>>, usize) {
    let labels: Vec<String> = categories.iter().map(|c| layout.fit(c, LABEL_SIZE, layout.px(LABEL_MAX_WIDTH))).collect();
    let room = (segment as i32 - layout.px(6.0)).max(1);
    let fits = |lines: &[String]| lines.iter().all(|line| layout.width(line, LABEL_SIZE) <= room);
    if fits(&labels) {
        return (labels.into_iter().map(|l| vec![l]).collect(), 1);
    }
    let wrapped: Vec<Vec<String>> = labels.iter().map(|l| split_in_two(l)).collect();
    if wrapped.iter().all(|lines| fits(lines)) {
        return (wrapped, 2);
    }
    let widest = labels.iter().map(|l| layout.width(l, LABEL_SIZE)).max().unwrap_or(0) + layout.px(6.0);
    let every = (f64::from(widest) / segment).ceil().max(1.0) as usize;
    let thinned = labels.into_iter().enumerate().map(|(idx, l)| if idx % every == 0 { vec![l] } else { Vec::new() }).collect();
    (thinned, 1)
}

fn split_in_two(label: &str) -> Vec<String> {
    let middle = label.len() / 2;
    let split_at = label.match_indices(' ').map(|(idx, _)| idx).min_by_key(|idx| idx.abs_diff(middle));
    match split_at {
        Some(idx) => vec![label[..idx].to_owned(), label[idx + 1..].to_owned()],
        None => vec![label.to_owned()],
    }
}

/// The value axis's ticks: from 0 in about five steps of 1, 2 or 5 times a power of ten, up to
/// the first tick at or above `max`. Percentages always read 0 % to 100 % when they fit. Counts
/// step by whole numbers and money by whole dollars, so no two ticks read the same.
pub(super) fn value_ticks(unit: Unit, max: i64) -> Vec<i64> {
    if unit == Unit::Percent && max <= 10_000 {
        return (0..=5).map(|i| i * 2_000).collect();
    }
    let min_step = if unit == Unit::Cents { 100 } else { 1 };
    let max = max.max(1);
    let raw_step = max / 5 + i64::from(max % 5 != 0);
    let mut magnitude: i64 = 1;
    while magnitude.checked_mul(10).is_some_and(|next| next <= raw_step) {
        magnitude *= 10;
    }
    let step = [1, 2, 5, 10].into_iter().map(|m| magnitude.saturating_mul(m)).find(|s| *s >= raw_step).unwrap_or(raw_step).max(min_step);
    let n_steps = max / step + i64::from(max % step != 0);
    (0..=n_steps).map(|i| i * step).collect()
}

/// The axis length (in values) that puts `max` at `room` pixels short of the end of an axis
/// `length` pixels long, so that a label fits beyond the highest mark.
fn needed_range(max: i64, length: i32, room: i32) -> i64 {
    let usable = (length - room).max(length / 3).max(1);
    (max as f64 * f64::from(length) / f64::from(usable)).ceil() as i64
}
