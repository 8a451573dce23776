//! The `.csv` writer: what Excel, LibreOffice, Numbers and every script read without a dialog.
//!
//! - UTF-8 with a byte-order mark. Without the mark Excel decodes a double-clicked CSV in the
//!   local ANSI code page and "Müller" turns into "MÃ¼ller"; other readers skip the mark.
//! - CRLF line ends (RFC 4180). Fields with commas, quotes or line breaks are quoted by the `csv`
//!   crate, so multi-line notes survive the round trip.
//! - Numbers are plain: `1234.50`, not `1,234.50`, because a thousands separator makes the value
//!   text in most locales. Percentages are written in percent (`2.50` for 2.50 %), as the list
//!   shows them. Dates are ISO 8601 (`2026-11-24`, `2026-11-24 13:05`) in the user's time zone,
//!   which every spreadsheet recognises and which sorts correctly even as text.
//! - Formula injection guard (OWASP's "CSV injection" advice): a text value that starts with `=`,
//!   `+`, `-`, `@`, a tab or a carriage return would run as a formula when the file is opened in a
//!   spreadsheet, so it gets a leading apostrophe, which spreadsheets show as plain text. Only text
//!   cells are guarded: a negative amount is a number and must stay one.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use super::{Cell, Column, ExportOptions, io_error, local_time};
use crate::{CoreError, Result};

/// Which of the two CSV files this writer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    /// The user's export: byte-order mark, formula guard.
    Excel,
    /// The benchmark script's input: no mark and no guard (so the text is the same as in the xlsx
    /// the script is compared with), plus a second line naming each column's kind.
    BenchInput,
}

/// A CSV file being written row by row; [`CsvSink::finish`] flushes it.
pub(super) struct CsvSink<'a> {
    writer: ::csv::Writer<&'a mut File>,
    path: &'a Path,
    utc_offset_minutes: i32,
    guard_formulas: bool,
    /// Reused for every formatted value so that a row costs no allocations.
    field: String,
}

impl<'a> CsvSink<'a> {
    pub(super) fn new(
        file: &'a mut File,
        path: &'a Path,
        columns: &[Column],
        options: &ExportOptions,
        flavor: Flavor,
    ) -> Result<Self> {
        if flavor == Flavor::Excel {
            file.write_all("\u{feff}".as_bytes()).map_err(|error| io_error(path, &error))?;
        }
        let writer =
            ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).buffer_capacity(1 << 16).from_writer(file);
        let mut sink = CsvSink {
            writer,
            path,
            utc_offset_minutes: options.utc_offset_minutes,
            guard_formulas: flavor == Flavor::Excel,
            field: String::with_capacity(64),
        };
        // The header is text like any other and gets the same guard.
        for column in columns {
            sink.write_text(&column.title)?;
        }
        sink.end_record()?;
        if flavor == Flavor::BenchInput {
            let kinds = columns.iter().map(|column| column.kind.name());
            sink.writer.write_record(kinds).map_err(|error| csv_error(path, error))?;
        }
        Ok(sink)
    }

    pub(super) fn write_row(&mut self, cells: Vec<Cell>) -> Result<()> {
        for cell in &cells {
            self.write_cell(cell)?;
        }
        self.end_record()
    }

    pub(super) fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|error| io_error(self.path, &error))
    }

    fn write_cell(&mut self, cell: &Cell) -> Result<()> {
        self.field.clear();
        match cell {
            Cell::Empty => {}
            Cell::Text(text) => return self.write_text(text),
            Cell::Int(number) => push_display(&mut self.field, number),
            Cell::Money(cents) => push_hundredths(&mut self.field, *cents),
            Cell::Percent(basis_points) => push_hundredths(&mut self.field, *basis_points),
            Cell::Date(unix_ms) => push_local_time(&mut self.field, *unix_ms, self.utc_offset_minutes, false),
            Cell::DateTime(unix_ms) => push_local_time(&mut self.field, *unix_ms, self.utc_offset_minutes, true),
        }
        self.writer.write_field(self.field.as_bytes()).map_err(|error| csv_error(self.path, error))
    }

    fn write_text(&mut self, text: &str) -> Result<()> {
        let result = if self.guard_formulas && starts_like_formula(text) {
            self.field.clear();
            self.field.push('\'');
            self.field.push_str(text);
            self.writer.write_field(self.field.as_bytes())
        } else {
            self.writer.write_field(text)
        };
        result.map_err(|error| csv_error(self.path, error))
    }

    fn end_record(&mut self) -> Result<()> {
        // An empty record after `write_field` calls ends the current line.
        self.writer.write_record(None::<&[u8]>).map_err(|error| csv_error(self.path, error))
    }
}

/// Whether a spreadsheet would treat the text as the start of a formula (see the module doc).
fn starts_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn push_display(out: &mut String, value: impl std::fmt::Display) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{value}");
}

/// `123450` → `1234.50`, `-5` → `-0.05`: cents as an amount, basis points as a percentage.
fn push_hundredths(out: &mut String, value: i64) {
    let sign = if value < 0 { "-" } else { "" };
    let magnitude = value.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:02}", magnitude / 100, magnitude % 100);
}

fn push_local_time(out: &mut String, unix_ms: i64, utc_offset_minutes: i32, with_time: bool) {
    use chrono::{Datelike, Timelike};
    // An unrepresentable timestamp (hundreds of thousands of years away) is left empty.
    let Some(time) = local_time(unix_ms, utc_offset_minutes) else {
        return;
    };
    let _ = write!(out, "{:04}-{:02}-{:02}", time.year(), time.month(), time.day());
    if with_time {
        let _ = write!(out, " {:02}:{:02}", time.hour(), time.minute());
    }
}

fn csv_error(path: &Path, error: ::csv::Error) -> CoreError {
    match error.into_kind() {
        ::csv::ErrorKind::Io(io) => io_error(path, &io),
        other => CoreError::Conflict(format!("Could not write {}: {other:?}. Try again.", path.display())),
    }
}
