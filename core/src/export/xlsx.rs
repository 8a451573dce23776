//! The `.xlsx` writer, on top of `rust_xlsxwriter` in constant-memory mode.
//!
//! Constant-memory mode streams each finished row to a temporary file instead of keeping the whole
//! sheet in memory, which is what lets a million-row export run in a few megabytes. Its one rule
//! is that rows are written top to bottom, which an export does anyway. What Excel stores outside
//! the cell data (column widths, the frozen pane, the autofilter range) may still be set later,
//! because the library assembles those parts only when the file is saved; column formats, which
//! the library applies while it streams each row out, are set before the first row.
//!
//! Values become what Excel understands natively: money and percentages are numbers with a
//! number format (so they sum and sort), dates are date serials with a date format (so they
//! filter by month and year), and text is always a string cell, which Excel never evaluates as a
//! formula however it starts.

use std::io::{BufWriter, Write};
use std::path::Path;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook, Worksheet, XlsxError};

use super::{Cell, Column, ColumnKind, ExportOptions, io_error, local_time};
use crate::{CoreError, Result};

/// Excel holds 1,048,576 rows per sheet; one of them is the header. An export with more rows goes
/// on in a second sheet with the same header rather than stopping or silently dropping rows: the
/// requirement is every row, and a reader can still filter each sheet on its own.
pub(super) const MAX_DATA_ROWS_PER_SHEET: u32 = 1_048_575;

/// Excel's maximum cell length, counted in UTF-16 code units. Longer text is truncated, because
/// Excel refuses to open a file with a longer cell at all. Note texts near this size are rare in a
/// list, and the full text stays in the CRM.
const MAX_CELL_LEN: usize = 32_767;

/// Excel's sheet names are at most 31 characters.
const MAX_SHEET_NAME_LEN: usize = 31;

/// Excel keeps 15 significant digits. Larger integers (rare: they are ids, not quantities) are
/// written as text so that no digit is silently changed.
const MAX_EXACT_INT: u64 = 999_999_999_999_999;

/// Days from Excel's epoch (serial 0 = 1899-12-30) to the Unix epoch.
const EXCEL_UNIX_EPOCH_DAYS: i64 = 25_569;

/// Serial 61 is 1900-03-01, the first date after Excel's phantom 29 February 1900; before it
/// Excel's serials are off by one. Serial 2,958,465 is 9999-12-31, Excel's last date. Dates outside
/// this range (never seen in a CRM, but possible in imported data) are written as ISO text.
const EXCEL_FIRST_SAFE_SERIAL: i64 = 61;
const EXCEL_LAST_SERIAL: i64 = 2_958_465;

const MS_PER_DAY: i64 = 86_400_000;

/// Deflate level 2 instead of the usual 6. Compression is the largest single cost of an export;
/// measured on 100,000 rows x 12 columns, level 2 compresses in a third of the time of level 6
/// (0.3 s instead of 1.0 s) for a file a fifth larger (9.8 MB instead of 8.3 MB). Level 1 is
/// another 0.1 s faster but the file grows to 13.2 MB.
const ZIP_COMPRESSION_LEVEL: u8 = 2;

/// The formats, made once. Formatted values are not written with their format: each money,
/// percent or date column gets its number format as a column format, and values of the column's
/// own kind are written unformatted, which makes the library give every cell the column's format
/// (Excel's own rule for cells in a formatted column). Passing a format with every value would
/// make the library hash the whole format for each cell, which cost a fifth of the export time.
/// A side effect users like: rows they add below the export get the column's format too.
struct Formats {
    header: XlsxFormat,
    general: XlsxFormat,
    money: XlsxFormat,
    percent: XlsxFormat,
    date: XlsxFormat,
    date_time: XlsxFormat,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: XlsxFormat::new().set_bold(),
            // An explicit "General", distinct from "no format", which would take the column's.
            general: XlsxFormat::new().set_num_format("General"),
            money: XlsxFormat::new().set_num_format("#,##0.00"),
            percent: XlsxFormat::new().set_num_format("0.00%"),
            date: XlsxFormat::new().set_num_format("yyyy-mm-dd"),
            date_time: XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm"),
        }
    }

    /// The number format of a value of this kind.
    fn number_format(&self, kind: ColumnKind) -> &XlsxFormat {
        match kind {
            ColumnKind::Text | ColumnKind::Int => &self.general,
            ColumnKind::Money => &self.money,
            ColumnKind::Percent => &self.percent,
            ColumnKind::Date => &self.date,
            ColumnKind::DateTime => &self.date_time,
        }
    }

    /// The format a column of this kind carries, if any.
    fn column_format(&self, kind: ColumnKind) -> Option<&XlsxFormat> {
        match kind {
            ColumnKind::Text | ColumnKind::Int => None,
            _ => Some(self.number_format(kind)),
        }
    }
}

/// An `.xlsx` workbook being filled row by row; [`XlsxSink::save`] writes the finished file.
pub(super) struct XlsxSink<'a> {
    workbook: Workbook,
    path: &'a Path,
    columns: &'a [Column],
    sheet_name: String,
    utc_offset_minutes: i32,
    formats: Formats,
    max_data_rows_per_sheet: u32,
    n_sheets: usize,
    /// Data rows written to the current (last) sheet.
    n_rows_in_sheet: u32,
}

impl<'a> XlsxSink<'a> {
    pub(super) fn new(
        path: &'a Path,
        columns: &'a [Column],
        options: &ExportOptions,
        max_data_rows_per_sheet: u32,
    ) -> Result<Self> {
        // Excel has 16,384 columns; a list never comes near, but the message beats a corrupt file.
        if columns.len() > 16_384 {
            return Err(CoreError::invalid("columns", "Excel files hold at most 16,384 columns."));
        }
        let mut workbook = Workbook::new();
        workbook.set_zip_compression_level(ZIP_COMPRESSION_LEVEL);
        let mut sink = XlsxSink {
            workbook,
            path,
            columns,
            sheet_name: clean_sheet_name(&options.sheet_name),
            utc_offset_minutes: options.utc_offset_minutes,
            formats: Formats::new(),
            max_data_rows_per_sheet: max_data_rows_per_sheet.max(1),
            n_sheets: 0,
            n_rows_in_sheet: 0,
        };
        sink.start_sheet()?;
        Ok(sink)
    }

    pub(super) fn write_row(&mut self, cells: Vec<Cell>) -> Result<()> {
        if self.n_rows_in_sheet == self.max_data_rows_per_sheet {
            self.finish_sheet()?;
            self.start_sheet()?;
        }
        let row = self.n_rows_in_sheet + 1;
        let path = self.path;
        let sheet = self.workbook.worksheet_from_index(self.n_sheets - 1).map_err(|error| xlsx_error(path, error))?;
        for (col, (cell, column)) in cells.into_iter().zip(self.columns).enumerate() {
            // `col` fits: `new` refused more than 16,384 columns.
            let col = col as u16;
            let written = match excel_value(cell, self.utc_offset_minutes) {
                ExcelValue::Nothing => Ok(()),
                ExcelValue::Text(text) => sheet.write_string(row, col, text).map(drop),
                ExcelValue::Number(number, kind) => {
                    let column_format = self.formats.column_format(column.kind);
                    let takes_column_format =
                        kind == column.kind || (kind == ColumnKind::Int && column_format.is_none());
                    if takes_column_format {
                        sheet.write_number(row, col, number).map(drop)
                    } else {
                        sheet.write_number_with_format(row, col, number, self.formats.number_format(kind)).map(drop)
                    }
                }
            };
            written.map_err(|error| xlsx_error(path, error))?;
        }
        self.n_rows_in_sheet += 1;
        Ok(())
    }

    /// Completes the last sheet and writes the whole workbook to `file`.
    pub(super) fn save(mut self, file: &mut std::fs::File) -> Result<()> {
        self.finish_sheet()?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        self.workbook.save_to_writer(&mut writer).map_err(|error| xlsx_error(self.path, error))?;
        writer.flush().map_err(|error| io_error(self.path, &error))
    }

    /// Adds a sheet with the bold header row, the frozen pane below it, and each column's width
    /// and number format.
    fn start_sheet(&mut self) -> Result<()> {
        self.n_sheets += 1;
        let name = sheet_name_for(&self.sheet_name, self.n_sheets);
        let path = self.path;
        let sheet = self.workbook.add_worksheet_with_constant_memory().map_err(|error| xlsx_error(path, error))?;
        let set_up = |sheet: &mut Worksheet| -> Result<(), XlsxError> {
            sheet.set_name(name)?;
            for (col, column) in self.columns.iter().enumerate() {
                let col = col as u16;
                sheet.set_column_width(col, column_width(column))?;
                if let Some(format) = self.formats.column_format(column.kind) {
                    sheet.set_column_format(col, format)?;
                }
                sheet.write_string_with_format(0, col, column.title.as_str(), &self.formats.header)?;
            }
            sheet.set_freeze_panes(1, 0)?;
            Ok(())
        };
        set_up(sheet).map_err(|error| xlsx_error(path, error))?;
        self.n_rows_in_sheet = 0;
        Ok(())
    }

    /// Puts the autofilter over the header and every data row of the current sheet.
    fn finish_sheet(&mut self) -> Result<()> {
        let last_row = self.n_rows_in_sheet;
        let last_col = (self.columns.len() - 1) as u16;
        let path = self.path;
        let sheet = self.workbook.worksheet_from_index(self.n_sheets - 1).map_err(|error| xlsx_error(path, error))?;
        sheet.autofilter(0, 0, last_row, last_col).map_err(|error| xlsx_error(path, error))?;
        Ok(())
    }
}

/// A cell as Excel stores it.
enum ExcelValue {
    Nothing,
    Text(String),
    /// The number and the kind of value it came from, which decides its number format.
    Number(f64, ColumnKind),
}

fn excel_value(cell: Cell, utc_offset_minutes: i32) -> ExcelValue {
    match cell {
        Cell::Empty => ExcelValue::Nothing,
        Cell::Text(text) => ExcelValue::Text(truncate_to_cell_limit(text)),
        Cell::Int(number) if number.unsigned_abs() <= MAX_EXACT_INT => {
            ExcelValue::Number(number as f64, ColumnKind::Int)
        }
        Cell::Int(number) => ExcelValue::Text(number.to_string()),
        // Cents and basis points up to 2^53 convert exactly; the division gives the double
        // closest to the decimal value, as typing it into Excel would.
        Cell::Money(cents) => ExcelValue::Number(cents as f64 / 100.0, ColumnKind::Money),
        Cell::Percent(basis_points) => ExcelValue::Number(basis_points as f64 / 10_000.0, ColumnKind::Percent),
        Cell::Date(unix_ms) => match date_serial(unix_ms, utc_offset_minutes) {
            Some(serial) => ExcelValue::Number(serial, ColumnKind::Date),
            None => ExcelValue::Text(iso_text(unix_ms, utc_offset_minutes, "%Y-%m-%d")),
        },
        Cell::DateTime(unix_ms) => match date_time_serial(unix_ms, utc_offset_minutes) {
            Some(serial) => ExcelValue::Number(serial, ColumnKind::DateTime),
            None => ExcelValue::Text(iso_text(unix_ms, utc_offset_minutes, "%Y-%m-%d %H:%M")),
        },
    }
}

/// Milliseconds shifted into the user's zone, or `None` on (absurd) overflow.
fn shifted_ms(unix_ms: i64, utc_offset_minutes: i32) -> Option<i64> {
    unix_ms.checked_add(i64::from(utc_offset_minutes) * 60_000)
}

/// The Excel serial of the calendar day (a whole number), if Excel can show it correctly.
fn date_serial(unix_ms: i64, utc_offset_minutes: i32) -> Option<f64> {
    let days = shifted_ms(unix_ms, utc_offset_minutes)?.div_euclid(MS_PER_DAY) + EXCEL_UNIX_EPOCH_DAYS;
    (EXCEL_FIRST_SAFE_SERIAL..=EXCEL_LAST_SERIAL).contains(&days).then_some(days as f64)
}

/// The Excel serial of the moment (days plus the fraction of the day), to the whole second so that
/// no floating-point dust shows up as 12:59:59.999.
fn date_time_serial(unix_ms: i64, utc_offset_minutes: i32) -> Option<f64> {
    let shifted = shifted_ms(unix_ms, utc_offset_minutes)?;
    let days = shifted.div_euclid(MS_PER_DAY) + EXCEL_UNIX_EPOCH_DAYS;
    let seconds_in_day = shifted.rem_euclid(MS_PER_DAY) / 1000;
    (EXCEL_FIRST_SAFE_SERIAL..=EXCEL_LAST_SERIAL)
        .contains(&days)
        .then(|| days as f64 + seconds_in_day as f64 / 86_400.0)
}

fn iso_text(unix_ms: i64, utc_offset_minutes: i32, pattern: &str) -> String {
    local_time(unix_ms, utc_offset_minutes).map(|time| time.format(pattern).to_string()).unwrap_or_default()
}

/// Cuts text to Excel's cell limit at a character boundary (see [`MAX_CELL_LEN`]).
fn truncate_to_cell_limit(mut text: String) -> String {
    // UTF-8 never takes fewer bytes than UTF-16 takes code units, so short byte lengths are safe
    // without counting.
    if text.len() <= MAX_CELL_LEN {
        return text;
    }
    let mut n_units = 0;
    for (byte_index, character) in text.char_indices() {
        n_units += character.len_utf16();
        if n_units > MAX_CELL_LEN {
            text.truncate(byte_index);
            break;
        }
    }
    text
}

/// Excel's sheet names may not contain `[]:*?/\`, may not start or end with an apostrophe, and
/// are at most 31 characters long. Anything else is kept.
pub(super) fn clean_sheet_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|character| if "[]:*?/\\".contains(character) { '_' } else { character }).collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    // "History" is reserved by Excel for its change tracking.
    if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        return "Export".into();
    }
    cleaned.to_string()
}

/// "Customers" for the first sheet, then "Customers 2", "Customers 3", shortening the base name so
/// that the number always fits Excel's 31 characters.
pub(super) fn sheet_name_for(base: &str, sheet_number: usize) -> String {
    let suffix = if sheet_number == 1 { String::new() } else { format!(" {sheet_number}") };
    let room = MAX_SHEET_NAME_LEN - suffix.chars().count();
    let base: String = base.chars().take(room).collect();
    format!("{}{suffix}", base.trim_end())
}

/// A width (in Excel's character units) that fits typical values of the kind and the header with
/// its filter button, capped so that one long title cannot push everything off screen.
fn column_width(column: &Column) -> f64 {
    let kind_width: f64 = match column.kind {
        ColumnKind::Text => 24.0,
        ColumnKind::Int => 10.0,
        ColumnKind::Money => 14.0,
        ColumnKind::Percent => 9.0,
        ColumnKind::Date => 11.0,
        ColumnKind::DateTime => 17.0,
    };
    // Bold text is about a tenth wider; the filter button takes about three characters.
    let header_width = column.title.chars().count() as f64 * 1.1 + 3.0;
    kind_width.max(header_width).min(50.0)
}

/// Turns a library error into a user-facing one; IO failures (also those the zip layer wraps)
/// get the same advice as everywhere else in the export.
fn xlsx_error(path: &Path, error: XlsxError) -> CoreError {
    if let XlsxError::IoError(io) = &error {
        return io_error(path, io);
    }
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return io_error(path, io);
        }
        source = inner.source();
    }
    CoreError::Conflict(format!(
        "Could not write {}: {error}. Try again; if it keeps failing, export as CSV.",
        path.display()
    ))
}
