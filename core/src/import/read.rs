//! Reading an import file into a [`Table`]: CSV (any of the dialects Excel writes) or the first
//! visible worksheet of an .xlsx workbook.
//!
//! Why the format is decided by content and not only by extension: users rename files, web apps
//! export tab-separated text as `.xls`, and Excel happily saves a workbook as `report.csv.xlsx`.
//! The extension only has to be one we know; the first bytes then decide: a ZIP archive is read as
//! a workbook, an OLE container (old `.xls`, or any password-protected workbook) is refused with a
//! hint, anything else must be text. This way a mislabelled file is either read correctly or
//! refused with a clear message, never shown as mojibake.
//!
//! Every problem is a `CoreError::Invalid` on the field `"file"` whose message names the line (or
//! spreadsheet row) and says how to fix it. Nothing here touches the database, so a bad file
//! cannot change anything.
//!
//! Decisions worth knowing:
//! - Rows shorter than the header are padded with empty cells: Excel leaves out trailing empty
//!   cells when it saves CSV, and a missing value is a legitimate "not set". Rows longer than the
//!   header are refused unless the extra cells are all empty (Excel writes those too), because a
//!   surplus value almost always means an unquoted delimiter shifted the row.
//! - Blank rows (every cell empty or whitespace) are skipped everywhere, and do not count.
//! - Header names are trimmed, must be non-empty and unique; empty trailing header cells are
//!   dropped (Excel writes `Name,City,,` after a column was cleared).
//! - Data cells are kept exactly as written (not trimmed): the entity validation trims, and it is
//!   the one place that decides what whitespace means.

use std::borrow::Cow;
use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};

use crate::{CoreError, Result};

/// An import file as rows of text cells under a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header row, trimmed, non-empty and unique.
    pub headers: Vec<String>,
    /// The data rows in file order, blank rows left out. Every row has exactly
    /// `headers.len()` cells.
    pub rows: Vec<SourceRow>,
}

/// One data row of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    /// Where the row starts, 1-based, as the user sees it: the line number in a text editor for
    /// CSV (a quoted value spanning lines moves later rows down), the row number for .xlsx.
    pub line: u64,
    pub cells: Vec<String>,
}

/// The size limits of an import, in one place. They keep a mistaken or hostile file from taking
/// the whole memory of the machine, and each one is far above what a real CRM export needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read at all. 200 MB of CSV is roughly two million company rows.
    pub max_file_bytes: u64,
    /// Longest cell, in characters. A 64 KiB note is already a small book; a longer cell is
    /// almost always a double quote that was never closed, swallowing the rest of the file.
    pub max_cell_chars: usize,
    /// Widest header row. Salesforce's widest standard export has about 70 columns.
    pub max_columns: usize,
    /// Most data rows in one file.
    pub max_rows: usize,
}

impl Limits {
    pub const DEFAULT: Limits =
        Limits { max_file_bytes: 200 * 1024 * 1024, max_cell_chars: 65_536, max_columns: 200, max_rows: 1_000_000 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// File name extensions an import accepts. `.txt` and `.tsv` are what Excel's "Text (Tab
/// delimited)" and "Unicode Text" exports are called; `.xls` is accepted because many web apps
/// export text under that name (a real Excel 97-2003 file is then refused by its content).
const EXTENSIONS: &[&str] = &["csv", "tsv", "txt", "xlsx", "xlsm", "xls"];

/// How many leading bytes decide whether a file is text at all.
const SNIFF_BYTES: usize = 8 * 1024;

/// The "delimiter" of a single-column file (see `detect_delimiter`).
const SINGLE_COLUMN: u8 = 0x1F;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
/// The OLE compound file header: Excel 97-2003 workbooks, and every encrypted Office file.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

const NOT_A_TABLE: &str = "This does not look like a CSV or Excel file. Choose a file saved as \"CSV UTF-8\" or \"Excel Workbook (.xlsx)\".";

fn file_error(message: impl Into<String>) -> CoreError {
    CoreError::invalid("file", message)
}

/// Read an import file, deciding between CSV and .xlsx by its content (see the module docs).
pub fn read_file(path: &Path) -> Result<Table> {
    read_file_with(path, &Limits::DEFAULT)
}

/// Read an .xlsx workbook from disk. Prefer [`read_file`], which also accepts a workbook that is
/// named `.csv`.
pub fn read_xlsx(path: &Path) -> Result<Table> {
    let bytes = load(path, &Limits::DEFAULT)?;
    read_xlsx_with(&bytes, &Limits::DEFAULT)
}

/// Read a file's content; `file_name` only has to carry a known extension.
pub fn read_bytes(file_name: &str, bytes: &[u8]) -> Result<Table> {
    check_extension(file_name)?;
    read_content(bytes, &Limits::DEFAULT)
}

/// Read CSV (or tab- or semicolon-separated) text, in UTF-8 with or without a byte order mark, or
/// in UTF-16 with one.
pub fn read_csv_bytes(bytes: &[u8]) -> Result<Table> {
    read_csv_with(bytes, &Limits::DEFAULT)
}

/// Read the first visible worksheet of an .xlsx workbook.
pub fn read_xlsx_bytes(bytes: &[u8]) -> Result<Table> {
    read_xlsx_with(bytes, &Limits::DEFAULT)
}

pub(crate) fn read_file_with(path: &Path, limits: &Limits) -> Result<Table> {
    let file_name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    check_extension(&file_name)?;
    let bytes = load(path, limits)?;
    read_content(&bytes, limits)
}

/// Read a whole file after checking its size, so that a huge file is refused before it is loaded.
fn load(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    let cannot_read = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => file_error(format!("The file {} does not exist.", path.display())),
        _ => file_error(format!("The file {} cannot be read: {error}.", path.display())),
    };
    let size = std::fs::metadata(path).map_err(cannot_read)?.len();
    check_size(size, limits)?;
    std::fs::read(path).map_err(cannot_read)
}

fn check_extension(file_name: &str) -> Result<()> {
    let extension = Path::new(file_name).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    if EXTENSIONS.contains(&extension.as_str()) {
        Ok(())
    } else {
        Err(file_error(format!("Import reads .csv, .txt and .xlsx files; \"{file_name}\" is none of these.")))
    }
}

fn check_size(size: u64, limits: &Limits) -> Result<()> {
    if size > limits.max_file_bytes {
        let megabytes = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        return Err(file_error(format!(
            "The file is {:.1} MB; import reads files of up to {:.0} MB. Split it into smaller files.",
            megabytes(size),
            megabytes(limits.max_file_bytes)
        )));
    }
    Ok(())
}

/// Dispatch on the first bytes: ZIP is a workbook, OLE is refused, anything else must be text.
pub(crate) fn read_content(bytes: &[u8], limits: &Limits) -> Result<Table> {
    check_size(bytes.len() as u64, limits)?;
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC) {
        read_xlsx_with(bytes, limits)
    } else if bytes.starts_with(OLE_MAGIC) {
        Err(file_error(
            "This is an Excel 97-2003 workbook (.xls) or a password-protected workbook, which import cannot read. \
             Open it in Excel, remove any password, and save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\".",
        ))
    } else {
        read_csv_with(bytes, limits)
    }
}

// ---------------------------------------------------------------------------------------------
// Text and CSV
// ---------------------------------------------------------------------------------------------

pub(crate) fn read_csv_with(bytes: &[u8], limits: &Limits) -> Result<Table> {
    check_size(bytes.len() as u64, limits)?;
    let text = decode_text(bytes)?;
    read_csv_text(&text, limits)
}

/// Turn the bytes into text: UTF-16 when a byte order mark says so (Excel's "Unicode Text"),
/// UTF-8 otherwise. Binary data is recognised before decoding so that it gets the "not a CSV"
/// message rather than an encoding error on line 1.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>> {
    if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_utf16(body, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_utf16(body, u16::from_be_bytes).map(Cow::Owned);
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if looks_binary(body) {
        return Err(file_error(NOT_A_TABLE));
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(error) => {
            let line = line_at(&body[..error.valid_up_to()]);
            Err(file_error(format!(
                "Line {line} is not valid UTF-8 text. Save the file as \"CSV UTF-8\" in Excel and import it again."
            )))
        }
    }
}

fn decode_utf16(body: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String> {
    let mut text = String::with_capacity(body.len());
    let units = body.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(character) => text.push(character),
            Err(_) => {
                let line = line_at(text.as_bytes());
                return Err(file_error(format!(
                    "Line {line} is not valid UTF-16 text. Save the file as \"CSV UTF-8\" in Excel and import it again."
                )));
            }
        }
    }
    if body.len() % 2 == 1 {
        return Err(file_error(
            "The file is marked as UTF-16 text but ends in the middle of a character; it may be cut off. \
             Save it again as \"CSV UTF-8\" and import that file.",
        ));
    }
    Ok(text)
}

/// The 1-based line on which the text following `before` starts.
fn line_at(before: &[u8]) -> u64 {
    before.iter().filter(|&&byte| byte == b'\n').count() as u64 + 1
}

/// Text files never hold NUL bytes, and hardly ever control characters other than tab, line
/// feed, carriage return, vertical tab (FileMaker's line break) and form feed. More than one in a
/// hundred of them among the first bytes means the file is not text.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if sample.contains(&0) {
        return true;
    }
    let controls = sample.iter().filter(|&&byte| matches!(byte, 0x01..=0x08 | 0x0E..=0x1F | 0x7F)).count();
    controls * 100 > sample.len()
}

fn read_csv_text(text: &str, limits: &Limits) -> Result<Table> {
    if text.trim().is_empty() {
        return Err(file_error(EMPTY));
    }
    // UTF-8 bytes were checked before decoding; this catches binary data behind a UTF-16 mark.
    if looks_binary(text.as_bytes()) {
        return Err(file_error(NOT_A_TABLE));
    }
    if text.trim_start().starts_with('<') {
        return Err(file_error(
            "This file holds a web page or XML, not CSV. Open it in Excel and save it as \"Excel Workbook (.xlsx)\" \
             or \"CSV UTF-8\", then import that file.",
        ));
    }

    // Excel understands a first line `sep=;` naming the delimiter; honour it and skip it.
    let (body, skipped_lines, declared) = match text.split_once('\n') {
        Some((first, rest)) if first.trim_end_matches('\r').len() == 5 && first.starts_with("sep=") => {
            (rest, 1, first.as_bytes().get(4).copied())
        }
        _ => (text, 0, None),
    };
    let delimiter = declared.unwrap_or_else(|| detect_delimiter(body));
    let source = Source::Csv { delimiter };

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut record = csv::ByteRecord::new();
    let mut builder = TableBuilder::new(source, limits, EMPTY.to_owned());
    let mut lines = LineCounter { bytes: body.as_bytes(), offset: 0, line: 1 + skipped_lines };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Reading from memory without UTF-8 decoding can only fail on a malformed record.
            Err(error) => return Err(file_error(format!("The file cannot be read as CSV: {error}."))),
        }
        if record.iter().all(|field| field.trim_ascii().is_empty()) {
            continue;
        }
        let line = lines.record_line(record.position().map_or(0, csv::Position::byte));
        // The text was validated as UTF-8 above and the CSV parser only splits at ASCII bytes,
        // so every field is valid UTF-8 and the lossy conversion never replaces anything.
        let cells = record.iter().map(|field| String::from_utf8_lossy(field).into_owned()).collect();
        builder.push(line, cells)?;
    }
    builder.finish()
}

/// Line numbers of records, counted here rather than taken from the CSV parser: its position
/// points at the line break before a record (after a CRLF or a blank line), and the numbers must
/// match what a text editor shows.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Everything before `offset` has been counted; `line` is the line at `offset`.
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line of the record whose parse started at byte `start`: line breaks at the start are
    /// skipped, as the parser skips them. A line ends at LF, CRLF or a lone CR (old Mac files).
    fn record_line(&mut self, start: u64) -> u64 {
        let mut end = usize::try_from(start).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(end), Some(b'\r' | b'\n')) {
            end += 1;
        }
        if end > self.offset {
            let counted = &self.bytes[self.offset..end];
            let line_feeds = counted.iter().filter(|&&byte| byte == b'\n').count();
            // Simple byte counts compile to vector instructions; the pairs are looked at only
            // when there are carriage returns at all.
            let returns = counted.iter().filter(|&&byte| byte == b'\r').count();
            // Both ends of `counted` lie after a run of line breaks, so no CRLF pair straddles
            // them and the pairs inside are all there is to subtract.
            let lone_returns =
                if returns == 0 { 0 } else { returns - counted.windows(2).filter(|pair| pair == b"\r\n").count() };
            self.line += (line_feeds + lone_returns) as u64;
            self.offset = end;
        }
        self.line
    }
}

/// The delimiter is whichever of tab, semicolon and comma the header line holds most often,
/// outside double quotes. Header names rarely contain any of them, while European Excel writes
/// `;` and its "Text" export writes tabs. Ties go to tab, then semicolon: a comma is the one most
/// likely to appear inside a name ("Notes, internal"). A header with none of them means a single
/// column, whose values may well hold commas ("Acme, Inc"); the ASCII unit separator, which text
/// never contains, then stands in as the delimiter.
fn detect_delimiter(body: &str) -> u8 {
    let header_line = body.lines().find(|line| !line.trim().is_empty()).unwrap_or_default();
    let mut counts = [(b'\t', 0usize), (b';', 0), (b',', 0)];
    let mut in_quotes = false;
    for byte in header_line.bytes() {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && let Some(entry) = counts.iter_mut().find(|(delimiter, _)| *delimiter == byte) {
            entry.1 += 1;
        }
    }
    let best = counts.iter().fold(counts[0], |best, &entry| if entry.1 > best.1 { entry } else { best });
    if best.1 == 0 { SINGLE_COLUMN } else { best.0 }
}

// ---------------------------------------------------------------------------------------------
// .xlsx
// ---------------------------------------------------------------------------------------------

pub(crate) fn read_xlsx_with(bytes: &[u8], limits: &Limits) -> Result<Table> {
    check_size(bytes.len() as u64, limits)?;
    if is_open_document(bytes) {
        return Err(file_error(
            "This is an OpenDocument spreadsheet (.ods), which import cannot read. \
             Save it as \"Excel 2007-365 (.xlsx)\" or as CSV in UTF-8, then import that file.",
        ));
    }
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(workbook_error)?;
    let sheets = workbook.sheets_metadata();
    let is_worksheet = |sheet: &&calamine::Sheet| sheet.typ == SheetType::WorkSheet;
    let Some(sheet) = sheets
        .iter()
        .filter(is_worksheet)
        .find(|sheet| sheet.visible == SheetVisible::Visible)
        .or_else(|| sheets.iter().find(is_worksheet))
    else {
        return Err(file_error("The workbook has no worksheet to import."));
    };
    let sheet_name = sheet.name.clone();

    let mut cells = workbook.worksheet_cells_reader(&sheet_name).map_err(workbook_error)?;
    // Rows as they arrive: `(row index, cells)`. Excel writes cells row by row, left to right; a
    // file written otherwise still reads correctly, only more slowly.
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(workbook_error)? {
        let (row_index, column_index) = cell.get_position();
        let text = cell_text(cell.get_value(), row_index, column_index)?;
        if text.is_empty() {
            continue;
        }
        if column_index as usize >= limits.max_columns {
            return Err(file_error(format!(
                "Cell {} holds a value, but import reads only the first {} columns (up to column {}). \
                 Delete the columns you do not need.",
                cell_reference(row_index, column_index),
                limits.max_columns,
                column_letters(limits.max_columns as u32 - 1)
            )));
        }
        let position = match rows.last() {
            Some((last, _)) if *last == row_index => rows.len() - 1,
            Some((last, _)) if *last > row_index => match rows.binary_search_by_key(&row_index, |(row, _)| *row) {
                Ok(found) => found,
                Err(insert_at) => {
                    rows.insert(insert_at, (row_index, Vec::new()));
                    insert_at
                }
            },
            _ => {
                // One more than the limit, so that the header and the surplus row are both there.
                if rows.len() > limits.max_rows + 1 {
                    return Err(too_many_rows(limits));
                }
                rows.push((row_index, Vec::new()));
                rows.len() - 1
            }
        };
        let row = &mut rows[position].1;
        if row.len() <= column_index as usize {
            row.resize(column_index as usize + 1, String::new());
        }
        row[column_index as usize] = text;
    }

    // A sheet may start further right (the table in B2:F90); columns left of every value are not
    // part of the table.
    let first_column = rows
        .iter()
        .filter_map(|(_, cells)| cells.iter().position(|cell| !cell.is_empty()))
        .min()
        .unwrap_or(0);
    let empty = format!("The worksheet \"{sheet_name}\" is empty. Import reads the first worksheet; move the data there.");
    let mut builder = TableBuilder::new(Source::Xlsx { first_column: first_column as u32 }, limits, empty);
    for (row_index, mut cells) in rows {
        cells.drain(..first_column);
        builder.push(u64::from(row_index) + 1, cells)?;
    }
    builder.finish()
}

/// An OpenDocument file is a ZIP archive whose first entry is named `mimetype` and holds the
/// document type, uncompressed, right after the 30-byte local header.
fn is_open_document(bytes: &[u8]) -> bool {
    bytes.get(30..38) == Some(b"mimetype") && bytes.get(38..120).is_some_and(|head| head.windows(11).any(|w| w == b"opendocumen"))
}

fn workbook_error(error: XlsxError) -> CoreError {
    match error {
        XlsxError::Password => file_error(
            "The workbook is password-protected. Open it in Excel, remove the password, save it, and import it again.",
        ),
        other => file_error(format!(
            "This file is not a readable Excel workbook: it may be damaged, or be another kind of ZIP file. \
             Open it in Excel and save it again as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\". (Details: {other}.)"
        )),
    }
}

/// A cell as the text a user would type for it: strings as they are, numbers without a trailing
/// `.0` and rounded to the 15 significant digits Excel shows, dates as ISO `yyyy-mm-dd`, booleans
/// as `TRUE`/`FALSE`. An error value (`#REF!`) is refused: it would otherwise be imported as text.
fn cell_text(value: &DataRef<'_>, row_index: u32, column_index: u32) -> Result<String> {
    Ok(match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => format_number(*number),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(date_time) if date_time.is_duration() => format_duration(date_time.as_f64()),
        DataRef::DateTime(date_time) => {
            let (year, month, day, hour, minute, second, _milli) = date_time.to_ymd_hms_milli();
            let has_time = (hour, minute, second) != (0, 0, 0);
            if date_time.as_f64() < 1.0 {
                format!("{hour:02}:{minute:02}:{second:02}")
            } else if has_time {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02}")
            }
        }
        DataRef::Error(error) => {
            return Err(file_error(format!(
                "Cell {} holds the Excel error {error}. Correct the formula or clear the cell, then import again.",
                cell_reference(row_index, column_index)
            )));
        }
    })
}

fn format_number(number: f64) -> String {
    if !number.is_finite() {
        return number.to_string();
    }
    // Printing with 15 significant digits and reading back drops binary noise such as the
    // 0.30000000000000004 that `=0.1+0.2` stores; `Display` then prints the shortest form,
    // without a trailing `.0` for whole numbers.
    let rounded: f64 = format!("{number:.14e}").parse().unwrap_or(number);
    if rounded == 0.0 { "0".to_owned() } else { rounded.to_string() }
}

fn format_duration(days: f64) -> String {
    let total_seconds = (days * 86_400.0).round() as i64;
    let sign = if total_seconds < 0 { "-" } else { "" };
    let total_seconds = total_seconds.abs();
    format!("{sign}{}:{:02}:{:02}", total_seconds / 3600, total_seconds / 60 % 60, total_seconds % 60)
}

/// Spreadsheet column letters for a 0-based column index: 0 is A, 25 is Z, 26 is AA.
pub(crate) fn column_letters(column_index: u32) -> String {
    let mut letters = Vec::new();
    let mut remaining = column_index + 1;
    while remaining > 0 {
        let digit = (remaining - 1) % 26;
        letters.push(b'A' + digit as u8);
        remaining = (remaining - 1) / 26;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

fn cell_reference(row_index: u32, column_index: u32) -> String {
    format!("{}{}", column_letters(column_index), u64::from(row_index) + 1)
}

// ---------------------------------------------------------------------------------------------
// The checks both formats share
// ---------------------------------------------------------------------------------------------

const EMPTY: &str = "The file is empty.";

/// Where a table came from, for wording messages the way the user's program shows the file.
#[derive(Debug, Clone, Copy)]
enum Source {
    Csv { delimiter: u8 },
    /// `first_column` is the sheet column (0 is A) of the table's first column.
    Xlsx { first_column: u32 },
}

impl Source {
    /// "Line 7" in a text file, "Row 7" in a spreadsheet.
    fn line(self, line: u64) -> String {
        match self {
            Source::Csv { .. } => format!("Line {line}"),
            Source::Xlsx { .. } => format!("Row {line}"),
        }
    }

    /// A column by position when it has no usable name: "column 3" or "column C".
    fn column(self, column_index: usize) -> String {
        match self {
            Source::Csv { .. } => format!("column {}", column_index + 1),
            Source::Xlsx { first_column } => format!("column {}", column_letters(first_column + column_index as u32)),
        }
    }
}

/// Collects rows after the format-specific reading, applying every rule of the module docs.
struct TableBuilder<'a> {
    source: Source,
    limits: &'a Limits,
    /// `None` until the first non-blank row, which is the header.
    headers: Option<Vec<String>>,
    header_line: u64,
    rows: Vec<SourceRow>,
    /// What to say when there is no header row at all.
    empty_message: String,
}

impl<'a> TableBuilder<'a> {
    fn new(source: Source, limits: &'a Limits, empty_message: String) -> Self {
        TableBuilder { source, limits, headers: None, header_line: 0, rows: Vec::new(), empty_message }
    }

    fn push(&mut self, line: u64, mut cells: Vec<String>) -> Result<()> {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return Ok(());
        }
        self.check_cell_lengths(line, &cells)?;
        let Some(headers) = &self.headers else {
            self.headers = Some(self.header_row(line, cells)?);
            self.header_line = line;
            return Ok(());
        };
        let width = headers.len();
        if cells.len() > width {
            if let Some(surplus) = cells[width..].iter().position(|cell| !cell.trim().is_empty()) {
                return Err(self.ragged(line, &cells, width, width + surplus));
            }
            cells.truncate(width);
        } else {
            cells.resize(width, String::new());
        }
        if self.rows.len() >= self.limits.max_rows {
            return Err(too_many_rows(self.limits));
        }
        self.rows.push(SourceRow { line, cells });
        Ok(())
    }

    fn finish(self) -> Result<Table> {
        let Some(headers) = self.headers else {
            return Err(file_error(self.empty_message));
        };
        if self.rows.is_empty() {
            return Err(file_error("The file has a header row but no data rows."));
        }
        Ok(Table { headers, rows: self.rows })
    }

    fn check_cell_lengths(&self, line: u64, cells: &[String]) -> Result<()> {
        let max = self.limits.max_cell_chars;
        // A cell's length in bytes is at least its length in characters, so only cells that are
        // long in bytes need counting.
        for (column_index, cell) in cells.iter().enumerate().filter(|(_, cell)| cell.len() > max) {
            let characters = cell.chars().count();
            if characters <= max {
                continue;
            }
            let column = match self.headers.as_ref().and_then(|headers| headers.get(column_index)) {
                Some(name) => format!("column \"{name}\""),
                None => self.source.column(column_index),
            };
            let mut message = format!(
                "{}, {column} holds {} characters; a cell can hold at most {}.",
                self.source.line(line),
                thousands(characters as u64),
                thousands(max as u64)
            );
            if matches!(self.source, Source::Csv { .. }) && cell.contains('\n') {
                message.push_str(" A double quote (\") that is never closed makes the rest of the file one cell.");
            }
            return Err(file_error(message));
        }
        Ok(())
    }

    fn header_row(&self, line: u64, mut cells: Vec<String>) -> Result<Vec<String>> {
        for cell in &mut cells {
            let trimmed = cell.trim();
            if trimmed.len() != cell.len() {
                *cell = trimmed.to_owned();
            }
        }
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if cells.len() > self.limits.max_columns {
            return Err(file_error(format!(
                "The header row has {} columns; import reads at most {}. Delete the columns you do not need.",
                cells.len(),
                self.limits.max_columns
            )));
        }
        let first_row = match self.source {
            Source::Csv { .. } => "first line",
            Source::Xlsx { .. } => "first row",
        };
        if let Some(column_index) = cells.iter().position(String::is_empty) {
            return Err(file_error(format!(
                "{}: {} of the header row has no name. Give every column a name in the {first_row}, or delete the empty column.",
                self.source.line(line),
                self.source.column(column_index)
            )));
        }
        for (column_index, name) in cells.iter().enumerate() {
            if let Some(first) = cells[..column_index].iter().position(|earlier| earlier == name) {
                return Err(file_error(format!(
                    "{}: the header row names two columns \"{name}\" ({} and {}). Rename one of them.",
                    self.source.line(line),
                    self.source.column(first),
                    self.source.column(column_index)
                )));
            }
        }
        Ok(cells)
    }

    fn ragged(&self, line: u64, cells: &[String], width: usize, first_surplus: usize) -> CoreError {
        match self.source {
            Source::Csv { delimiter } => {
                let values = cells.iter().rposition(|cell| !cell.trim().is_empty()).map_or(0, |last| last + 1);
                let delimiter = match delimiter {
                    b'\t' => "tab".to_owned(),
                    b';' => "semicolon (;)".to_owned(),
                    b',' => "comma (,)".to_owned(),
                    other => format!("\"{}\"", char::from(other)),
                };
                let header_line = self.header_line;
                file_error(format!(
                    "Line {line} has {values} values, but the header row (line {header_line}) names only {width} columns. \
                     Put values that contain a {delimiter} in double quotes, or name the extra columns in the header row."
                ))
            }
            Source::Xlsx { first_column } => {
                let letters = |column_index: usize| column_letters(first_column + column_index as u32);
                let named = match width {
                    1 => format!("column {}", letters(0)),
                    _ => format!("columns {} to {}", letters(0), letters(width - 1)),
                };
                file_error(format!(
                    "Row {line} has a value in column {}, but the header row (row {}) names only {named}. \
                     Name column {} in the header row, or clear it.",
                    letters(first_surplus),
                    self.header_line,
                    letters(first_surplus)
                ))
            }
        }
    }
}

fn too_many_rows(limits: &Limits) -> CoreError {
    file_error(format!(
        "The file has more than {} data rows. Split it into files of at most {} rows.",
        thousands(limits.max_rows as u64),
        thousands(limits.max_rows as u64)
    ))
}

/// `10485760` as `10,485,760`.
fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}
