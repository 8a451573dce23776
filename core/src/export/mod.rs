//! List exports: the current filtered and sorted list, every row, to `.xlsx` or `.csv`.
//!
//! The customer, contact and (later) lead lists all export through [`export`]. The caller
//! describes the columns once and then streams the rows through an iterator, so a list of a
//! million rows is paged out of SQLite and written without ever being held in memory. Each row is
//! a `Vec<Cell>` of typed values: money stays integer cents and dates stay Unix milliseconds until
//! the writer turns them into what the file format understands (a number with a number format in
//! Excel, plain decimal or ISO text in CSV).
//!
//! Why the design looks the way it does:
//! - **Nothing is written half-way.** Both writers fill a temporary file in the target folder and
//!   rename it over the target only when everything succeeded. A failed or cancelled export leaves
//!   no partial file behind and never clobbers a good file that was already there. The temporary
//!   file lives in the same folder because a rename is only atomic within one file system.
//! - **Long exports never freeze the window.** [`export`] is a plain blocking function meant to
//!   run on a worker thread; it reports progress at most every [`REPORT_EVERY`] rows (so the UI
//!   is not flooded with events) and checks the cancel flag before every row.
//! - **Types survive the trip.** Excel gets real numbers and dates with number formats, a bold
//!   frozen header and an autofilter. CSV gets UTF-8 with a byte-order mark (without it Excel
//!   reads the file as the local ANSI code page and garbles accents), CRLF line ends, and numbers
//!   without thousands separators so every spreadsheet parses them back as numbers.
//! - **Spreadsheets are an attack surface.** CSV text that starts like a formula is defused with
//!   a leading apostrophe (see `csv.rs`); Excel cells are always written as strings, which Excel
//!   never evaluates.
//!
//! Benchmarks and the openpyxl comparison: `scripts/openpyxl_export.py` reads a CSV whose first
//! line is the header and whose second line names the column kinds. [`bench_input_csv`] writes
//! exactly that file from the same columns and rows, so a benchmark builds its rows once, writes
//! the script's input with [`bench_input_csv`], times [`export`] with [`Format::Xlsx`], and then
//! runs `python3 scripts/openpyxl_export.py input.csv output.xlsx`, which prints the seconds its
//! write took. The ignored test `export::tests::measure_100k_rows` does all of this.

mod csv;
#[cfg(test)]
mod tests;
mod xlsx;

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDateTime};

use crate::{CoreError, Result};

/// Progress is reported at most once per this many rows, plus once at the end.
pub const REPORT_EVERY: u64 = 1000;

/// One value in an exported row. The variant, not the column, decides how the value is written,
/// so a column may mix kinds (an empty cell in a money column is simply [`Cell::Empty`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// Integer cents: `123450` is 1,234.50.
    Money(i64),
    /// Basis points: `250` is 2.50 %.
    Percent(i64),
    /// Unix milliseconds, shown as the calendar date in the user's time zone.
    Date(i64),
    /// Unix milliseconds, shown as date and time (to the minute) in the user's time zone.
    DateTime(i64),
}

/// What a column holds. It sets the column's width in Excel and names the kind in the benchmark
/// input; the number format of each value comes from its [`Cell`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Int,
    Money,
    Percent,
    Date,
    DateTime,
}

impl ColumnKind {
    /// The lower-case name used in the benchmark input's kinds line.
    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Text => "text",
            ColumnKind::Int => "int",
            ColumnKind::Money => "money",
            ColumnKind::Percent => "percent",
            ColumnKind::Date => "date",
            ColumnKind::DateTime => "datetime",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header text, as the list shows it.
    pub title: String,
    pub kind: ColumnKind,
}

impl Column {
    pub fn new(title: impl Into<String>, kind: ColumnKind) -> Self {
        Column { title: title.into(), kind }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// The format a save dialog's chosen file name asks for, by extension (case-insensitive).
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?;
        if extension.eq_ignore_ascii_case("xlsx") {
            Some(Format::Xlsx)
        } else if extension.eq_ignore_ascii_case("csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The worksheet's name in Excel (cleaned up to what Excel accepts). CSV ignores it.
    pub sheet_name: String,
    /// The user's offset from UTC. Dates are stored in UTC but read by people in their own zone:
    /// a deal closed at 23:30 on 24 November in Berlin is stored as 22:30 UTC and must still
    /// export as 24 November.
    pub utc_offset_minutes: i32,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { sheet_name: "Export".into(), utc_offset_minutes: 0 }
    }
}

/// How a running export talks back to its caller.
pub struct Progress<'a> {
    /// Called with the number of rows written so far: every [`REPORT_EVERY`] rows, and with the
    /// total once all rows are in (each count is reported once). An `.xlsx` file is compressed
    /// and saved after that last report, which takes about a third of the export's time, so a UI
    /// should show "Saving…" until [`export`] returns.
    pub report: &'a mut (dyn FnMut(u64) + Send),
    /// Set from any thread to stop the export. It is checked before every row and once more
    /// before the file is saved; the final compression of an `.xlsx` file cannot be interrupted.
    pub cancel: &'a AtomicBool,
}

/// [`export`] with reading and writing on two threads: `rows` is pulled on this thread (where
/// the SQLite connection lives, which cannot be shared) and handed through a bounded channel to
/// a writer thread. Reading a page of rows and formatting/compressing the file then overlap,
/// which on two cores takes the 100k-row customer export from about 1.1 s to the slower of the
/// two halves.
pub fn export_pipelined<I>(path: &Path, format: Format, columns: &[Column], rows: I, options: &ExportOptions, progress: Progress<'_>) -> Result<u64>
where
    I: Iterator<Item = Result<Vec<Cell>>>,
{
    // Enough rows in flight to keep both threads busy, few enough to bound memory.
    const IN_FLIGHT: usize = 4096;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Vec<Cell>>>(IN_FLIGHT);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || export(path, format, columns, receiver.into_iter(), options, progress));
        for row in rows {
            let failed = row.is_err();
            // A closed channel means the writer stopped (cancelled or failed): stop reading.
            if sender.send(row).is_err() || failed {
                break;
            }
        }
        drop(sender);
        writer.join().unwrap_or_else(|_| Err(CoreError::Conflict("The export stopped unexpectedly.".into())))
    })
}

/// Writes `columns` and every row of `rows` to `path` and returns the number of data rows.
///
/// Runs until the iterator is exhausted, so call it from a worker thread. The first `Err` from
/// `rows` stops the export and is returned unchanged. On any error, and on cancel (which returns
/// [`CoreError::Blocked`]), no file is left behind and an existing file at `path` is untouched.
pub fn export<I>(
    path: &Path,
    format: Format,
    columns: &[Column],
    rows: I,
    options: &ExportOptions,
    progress: Progress<'_>,
) -> Result<u64>
where
    I: Iterator<Item = Result<Vec<Cell>>>,
{
    export_with_sheet_limit(path, format, columns, rows, options, progress, xlsx::MAX_DATA_ROWS_PER_SHEET)
}

/// [`export`] with the per-sheet row limit as a parameter, so tests can check the rollover to a
/// second sheet with ten rows instead of a million.
fn export_with_sheet_limit<I>(
    path: &Path,
    format: Format,
    columns: &[Column],
    rows: I,
    options: &ExportOptions,
    progress: Progress<'_>,
    max_data_rows_per_sheet: u32,
) -> Result<u64>
where
    I: Iterator<Item = Result<Vec<Cell>>>,
{
    if columns.is_empty() {
        return Err(CoreError::invalid("columns", "Choose at least one column to export."));
    }
    write_atomically(path, |file| match format {
        Format::Xlsx => {
            let mut sink = xlsx::XlsxSink::new(path, columns, options, max_data_rows_per_sheet)?;
            let n_rows = drive(columns, rows, progress, |cells| sink.write_row(cells))?;
            sink.save(file)?;
            Ok(n_rows)
        }
        Format::Csv => {
            let mut sink = csv::CsvSink::new(file, path, columns, options, csv::Flavor::Excel)?;
            let n_rows = drive(columns, rows, progress, |cells| sink.write_row(cells))?;
            sink.finish()?;
            Ok(n_rows)
        }
    })
}

/// Writes the input file for `scripts/openpyxl_export.py`: a CSV (UTF-8, no byte-order mark, no
/// formula guard) whose first line is the header and whose second line names each column's kind
/// (`text,int,money,percent,date,datetime`), followed by the rows as [`Format::Csv`] writes them.
/// Dates are written in UTC. Returns the number of data rows.
pub fn bench_input_csv<I>(path: &Path, columns: &[Column], rows: I) -> Result<u64>
where
    I: Iterator<Item = Result<Vec<Cell>>>,
{
    let cancel = AtomicBool::new(false);
    let progress = Progress { report: &mut |_| {}, cancel: &cancel };
    write_atomically(path, |file| {
        let mut sink = csv::CsvSink::new(file, path, columns, &ExportOptions::default(), csv::Flavor::BenchInput)?;
        let n_rows = drive(columns, rows, progress, |cells| sink.write_row(cells))?;
        sink.finish()?;
        Ok(n_rows)
    })
}

/// Feeds every row to `write_row`, reporting progress and honouring the cancel flag. Shared by
/// both formats so that they count, report and cancel identically.
fn drive<I>(
    columns: &[Column],
    rows: I,
    progress: Progress<'_>,
    mut write_row: impl FnMut(Vec<Cell>) -> Result<()>,
) -> Result<u64>
where
    I: Iterator<Item = Result<Vec<Cell>>>,
{
    let mut n_rows: u64 = 0;
    for row in rows {
        if progress.cancel.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        let cells = row?;
        if cells.len() != columns.len() {
            return Err(CoreError::Conflict(format!(
                "Row {} of the export has {} values but the list has {} columns, so nothing was \
                 written. This is a bug; please report it.",
                n_rows + 1,
                cells.len(),
                columns.len()
            )));
        }
        write_row(cells)?;
        n_rows += 1;
        if n_rows.is_multiple_of(REPORT_EVERY) {
            (progress.report)(n_rows);
        }
    }
    // A cancel that arrives after the last row still wins: the user asked for no file.
    if progress.cancel.load(Ordering::Relaxed) {
        return Err(cancelled());
    }
    if n_rows == 0 || !n_rows.is_multiple_of(REPORT_EVERY) {
        (progress.report)(n_rows);
    }
    Ok(n_rows)
}

fn cancelled() -> CoreError {
    CoreError::Blocked("Export cancelled; no file was written.".into())
}

/// Runs `write` against a temporary file next to `path` and renames it over `path` only if
/// `write` succeeds. On failure the temporary file is deleted when it goes out of scope.
pub(crate) fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<u64>) -> Result<u64> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    // Temporary files are private (0600) by default; an export is an ordinary document, so let the
    // user's umask decide as it would for any file they save.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(folder).map_err(|error| io_error(path, &error))?;
    let n_rows = write(temp.as_file_mut())?;
    // Flush to disk before the rename, so that a crash right after it cannot leave an empty file
    // where the export was (about 15 ms for a 10 MB file).
    temp.as_file().sync_all().map_err(|error| io_error(path, &error))?;
    temp.persist(path).map_err(|error| io_error(path, &error.error))?;
    Ok(n_rows)
}

/// Turns an IO failure into a message that says what the user can do about it.
pub(crate) fn io_error(path: &Path, error: &io::Error) -> CoreError {
    let shown = path.display();
    let advice = match error.kind() {
        io::ErrorKind::PermissionDenied => {
            "If the file is open in Excel or another program, close it and export again; otherwise \
             choose a folder you can write to."
        }
        io::ErrorKind::NotFound => "The folder does not exist any more; choose another folder.",
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "The disk is full; free some space or choose another drive."
        }
        io::ErrorKind::ReadOnlyFilesystem => "The drive is read-only; choose another folder.",
        io::ErrorKind::IsADirectory => "A folder already has that name; choose another file name.",
        _ => "Check that the folder is writable and the file is not open in another program, then export again.",
    };
    CoreError::Conflict(format!("Could not write {shown}: {error}. {advice}"))
}

/// A Unix millisecond timestamp as wall-clock time at `utc_offset_minutes`. `None` only for
/// timestamps chrono cannot represent (hundreds of thousands of years away).
fn local_time(unix_ms: i64, utc_offset_minutes: i32) -> Option<NaiveDateTime> {
    let shifted = unix_ms.checked_add(i64::from(utc_offset_minutes) * 60_000)?;
    DateTime::from_timestamp_millis(shifted).map(|utc| utc.naive_utc())
}
