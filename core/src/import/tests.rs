//! Import reading and mapping, through the public functions only. Files are made inside each
//! test (CSV as text, workbooks with `rust_xlsxwriter`), so every case shows its input.

use std::fmt::Write as _;

use crm_model::import::{ColumnMapping, ImportTarget, PREVIEW_ROWS};
use expect_test::{Expect, expect};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use super::read::{Limits, read_content, read_file_with};
use super::*;
use crate::CoreError;
use crate::testing::assert_invalid;

/// The single message of a `"file"` error.
fn file_message(result: crate::Result<Table>) -> String {
    assert_invalid(result, &["file"]).remove(0)
}

/// A table as compact text: the header, then `line: cell | cell` per row.
fn render(table: &Table) -> String {
    let mut text = table.headers.join(" | ");
    for row in &table.rows {
        // Carriage returns are shown, so that the expectations hold no invisible characters.
        write!(text, "\n{}: {}", row.line, row.cells.join(" | ").replace('\r', "\\r")).unwrap();
    }
    text
}

fn check_csv(input: &str, expect: Expect) {
    expect.assert_eq(&render(&read_csv_bytes(input.as_bytes()).unwrap()));
}

#[test]
fn bad_files_are_refused_with_a_message_saying_what_to_do() {
    let ten_megabytes = "x".repeat(10 * 1024 * 1024);
    let mut random = Vec::with_capacity(4096);
    let mut state: u32 = 12345;
    for _ in 0..4096 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        random.push((state >> 16) as u8);
    }
    let wide_header = (1..=201).map(|n| format!("C{n}")).collect::<Vec<_>>().join(",") + "\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", b"".to_vec(), "The file is empty."),
        ("only blank lines", b"\r\n  \n\t\n".to_vec(), "The file is empty."),
        ("only a byte order mark", b"\xEF\xBB\xBF".to_vec(), "The file is empty."),
        ("only delimiters", b",,,\n,,\n".to_vec(), "The file is empty."),
        ("header only", b"Name,Email\r\n".to_vec(), "The file has a header row but no data rows."),
        ("header and blank rows", b"Name,Email\n,\n\n  ,  \n".to_vec(), "The file has a header row but no data rows."),
        (
            "Windows-1252 text",
            b"Name,City\nAcme,Austin\nCaf\xE9 Bleu,Paris\n".to_vec(),
            "Line 3 is not valid UTF-8 text. Save the file as \"CSV UTF-8\" in Excel and import it again.",
        ),
        (
            "ragged row",
            b"Name,City\nAcme,Austin\n\nAcme, Inc,Dallas\n".to_vec(),
            "Line 4 has 3 values, but the header row (line 1) names only 2 columns. Put values that contain a comma (,) in double quotes, or name the extra columns in the header row.",
        ),
        (
            "ragged row, semicolons",
            b"Name;City\nAcme;Austin;TX\n".to_vec(),
            "Line 2 has 3 values, but the header row (line 1) names only 2 columns. Put values that contain a semicolon (;) in double quotes, or name the extra columns in the header row.",
        ),
        (
            "a 10 MB cell",
            format!("Name,Notes\nAcme,ok\nBeta,{ten_megabytes}\n").into_bytes(),
            "Line 3, column \"Notes\" holds 10,485,760 characters; a cell can hold at most 65,536.",
        ),
        (
            "a quote never closed",
            format!("Name,Notes\nAcme,\"oops\n{}\n", "Beta,fine\n".repeat(7000)).into_bytes(),
            "Line 2, column \"Notes\" holds 70,006 characters; a cell can hold at most 65,536. A double quote (\") that is never closed makes the rest of the file one cell.",
        ),
        ("random bytes", random, "This does not look like a CSV or Excel file. Choose a file saved as \"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."),
        ("NUL bytes", b"Name,City\nAcme\0,Austin\n".to_vec(), "This does not look like a CSV or Excel file. Choose a file saved as \"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."),
        ("a PNG image", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec(), "This does not look like a CSV or Excel file. Choose a file saved as \"CSV UTF-8\" or \"Excel Workbook (.xlsx)\"."),
        (
            "UTF-16 with a lone surrogate on line 2",
            utf16_le("Name\tCity\r\nAcme\tAus").into_iter().chain([0x00, 0xD8, b'x', 0]).collect(),
            "Line 2 is not valid UTF-16 text. Save the file as \"CSV UTF-8\" in Excel and import it again.",
        ),
        (
            "UTF-16 cut off",
            utf16_le("Name\nAcme\n").into_iter().chain([b'x']).collect(),
            "The file is marked as UTF-16 text but ends in the middle of a character; it may be cut off. Save it again as \"CSV UTF-8\" and import that file.",
        ),
        (
            "duplicate header",
            b"Name,Email,City,Email\nAcme,a@x.example,Austin,b@x.example\n".to_vec(),
            "Line 1: the header row names two columns \"Email\" (column 2 and column 4). Rename one of them.",
        ),
        (
            "unnamed column",
            b"\n\nName, ,City\nAcme,1,Austin\n".to_vec(),
            "Line 3: column 2 of the header row has no name. Give every column a name in the first line, or delete the empty column.",
        ),
        (
            "201 columns",
            wide_header.into_bytes(),
            "The header row has 201 columns; import reads at most 200. Delete the columns you do not need.",
        ),
        (
            "a web page saved as .xls",
            b"  <html><body><table><tr><td>Name</td></tr></table></body></html>".to_vec(),
            "This file holds a web page or XML, not CSV. Open it in Excel and save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\", then import that file.",
        ),
        (
            "Excel 97-2003 or encrypted",
            [b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".as_slice(), &[0; 600]].concat(),
            "This is an Excel 97-2003 workbook (.xls) or a password-protected workbook, which import cannot read. Open it in Excel, remove any password, and save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\".",
        ),
        (
            "OpenDocument spreadsheet",
            [b"PK\x03\x04".as_slice(), &[0; 26], b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet", &[0; 100]].concat(),
            "This is an OpenDocument spreadsheet (.ods), which import cannot read. Save it as \"Excel 2007-365 (.xlsx)\" or as CSV in UTF-8, then import that file.",
        ),
    ];
    for (name, bytes, expected) in cases {
        let message = file_message(read_bytes("import.csv", &bytes));
        assert_eq!(message, expected, "{name}");
    }
}

#[test]
fn damaged_or_foreign_zip_files_are_not_workbooks() {
    let workbook = workbook_bytes(|sheet| {
        sheet.write_string(0, 0, "Name")?;
        sheet.write_string(1, 0, "Acme")?;
        Ok(())
    });
    let zip_garbage = [b"PK\x03\x04".as_slice(), b"this is no archive at all"].concat();
    for (name, bytes) in [("truncated workbook", &workbook[..workbook.len() / 2]), ("zip garbage", &zip_garbage[..])] {
        let message = file_message(read_bytes("customers.xlsx", bytes));
        assert!(
            message.starts_with("This file is not a readable Excel workbook: it may be damaged, or be another kind of ZIP file."),
            "{name}: {message}"
        );
    }
}

#[test]
fn limits_on_file_size_and_rows() {
    let limits = Limits { max_file_bytes: 1024 * 1024, max_rows: 3, ..Limits::DEFAULT };
    let big = format!("Name\n{}", "Acme\n".repeat(300_000));
    expect!["The file is 1.4 MB; import reads files of up to 1 MB. Split it into smaller files."]
        .assert_eq(&file_message(read_content(big.as_bytes(), &limits)));
    let rows = b"Name\nA\nB\n\nC\nD\n";
    expect!["The file has more than 3 data rows. Split it into files of at most 3 rows."]
        .assert_eq(&file_message(read_content(rows, &limits)));
    assert_eq!(read_content(&rows[..11], &limits).unwrap().rows.len(), 3, "exactly the limit is fine");
}

#[test]
fn files_on_disk_need_a_known_extension_and_are_read_by_content() {
    let folder = tempfile::tempdir().unwrap();
    let path = |name: &str| folder.path().join(name);
    std::fs::write(path("notes.docx"), "Name\nAcme\n").unwrap();
    expect![[r#"Import reads .csv, .txt and .xlsx files; "notes.docx" is none of these."#]]
        .assert_eq(&file_message(read_file(&path("notes.docx"))));
    assert!(file_message(read_file(&path("missing.csv"))).ends_with("missing.csv does not exist."));

    // A workbook saved under a .csv name, and tab-separated text under an .xls name, both read.
    std::fs::write(path("really-a-workbook.csv"), sample_workbook()).unwrap();
    assert_eq!(read_file(&path("really-a-workbook.csv")).unwrap().headers[0], "Name");
    std::fs::write(path("export.XLS"), "Name\tCity\nAcme\tAustin\n").unwrap();
    check_table(read_file(&path("export.XLS")).unwrap(), expect![[r#"
        Name | City
        2: Acme | Austin"#]]);
    assert_eq!(read_xlsx(&path("really-a-workbook.csv")).unwrap().rows.len(), 2);

    std::fs::write(path("big.csv"), format!("Name\n{}", "Acme\n".repeat(300_000))).unwrap();
    let limits = Limits { max_file_bytes: 1024 * 1024, ..Limits::DEFAULT };
    expect!["The file is 1.4 MB; import reads files of up to 1 MB. Split it into smaller files."]
        .assert_eq(&file_message(read_file_with(&path("big.csv"), &limits)));
}

fn check_table(table: Table, expect: Expect) {
    expect.assert_eq(&render(&table));
}

#[test]
fn delimiters_are_detected_from_the_header_line() {
    // European Excel writes semicolons, and commas then appear inside values unquoted.
    check_csv(
        "Name;Credit limit;City\nAcme, Inc;12.500,00;Köln\n\"Beta; Co\";;Wien\n",
        expect![[r#"
            Name | Credit limit | City
            2: Acme, Inc | 12.500,00 | Köln
            3: Beta; Co |  | Wien"#]],
    );
    check_csv(
        "Name\tNotes, internal\r\nAcme\tcalls, emails\r\n",
        expect![[r#"
            Name | Notes, internal
            2: Acme | calls, emails"#]],
    );
    // Excel's `sep=` line names the delimiter and is not the header; line numbers still count it.
    check_csv(
        "sep=;\r\nName,Inc;City\r\nAcme, Inc;Austin\r\n",
        expect![[r#"
            Name,Inc | City
            3: Acme, Inc | Austin"#]],
    );
    check_csv(
        "\"Name; or alias\",City\nAcme,Austin\n",
        expect![[r#"
            Name; or alias | City
            2: Acme | Austin"#]],
    );
    check_csv(
        "Name\nAcme, Inc\n",
        expect![[r#"
            Name
            2: Acme, Inc"#]],
    );
}

fn utf16_le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn encodings_excel_writes() {
    check_csv(
        "\u{FEFF}Name,City\nZoë's Café,Zürich\n",
        expect![[r#"
            Name | City
            2: Zoë's Café | Zürich"#]],
    );
    // "Unicode Text" from Excel: UTF-16 with a byte order mark, tab-separated.
    let little_endian = utf16_le("Name\tCity\r\nZoë's Café\tZürich\r\n");
    check_table(read_csv_bytes(&little_endian).unwrap(), expect![[r#"
        Name | City
        2: Zoë's Café | Zürich"#]]);
    let mut big_endian = vec![0xFE, 0xFF];
    big_endian.extend("Name\n日本\n".encode_utf16().flat_map(u16::to_be_bytes));
    check_table(read_csv_bytes(&big_endian).unwrap(), expect![[r#"
        Name
        2: 日本"#]]);
}

#[test]
fn line_numbers_follow_the_file_through_quoted_newlines_and_blank_lines() {
    check_csv(
        "\n Name , Notes \nAcme,\"first line\nsecond line\"\n\nBeta,\"a \"\"quoted\"\" word\"\n,\n\"Gamma\",\"x\r\ny\r\nz\"\nDelta,last",
        expect![[r#"
            Name | Notes
            3: Acme | first line
            second line
            6: Beta | a "quoted" word
            8: Gamma | x\r
            y\r
            z
            11: Delta | last"#]],
    );
}

#[test]
fn old_mac_line_endings_count_as_lines() {
    check_csv(
        "Name,City\r\rAcme,Austin\rBeta,\"Dallas\rTX\"\rGamma,Waco",
        expect![[r#"
            Name | City
            3: Acme | Austin
            4: Beta | Dallas\rTX
            6: Gamma | Waco"#]],
    );
}

#[test]
fn short_rows_are_padded_and_empty_surplus_cells_dropped() {
    check_csv(
        "Name,City,Region,,\nAcme\nBeta,Dallas\nGamma,Austin,TX,,\n  Delta  ,, ,\n",
        expect![[r#"
            Name | City | Region
            2: Acme |  | 
            3: Beta | Dallas | 
            4: Gamma | Austin | TX
            5:   Delta   |  |  "#]],
    );
}

/// A workbook with one sheet written by `fill`.
fn workbook_bytes(
    fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet) -> Result<(), rust_xlsxwriter::XlsxError>,
) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet()).unwrap();
    workbook.save_to_buffer().unwrap()
}

fn sample_workbook() -> Vec<u8> {
    workbook_bytes(|sheet| {
        sheet.write_row(0, 0, ["Name", "City"])?;
        sheet.write_row(1, 0, ["Acme", "Austin"])?;
        sheet.write_row(2, 0, ["Beta", "Dallas"])?;
        Ok(())
    })
}

#[test]
fn xlsx_cells_become_the_text_a_user_would_type() {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let time = Format::new().set_num_format("hh:mm:ss");
    let duration = Format::new().set_num_format("[h]:mm:ss");
    let bytes = workbook_bytes(|sheet| {
        // Blank rows above the header, as hand-made sheets have.
        sheet.write_row(2, 0, [" Name ", "Customer #", "Limit", "Since", "Last call", "Active", "Ratio", "Phone", "Call at", "Time spent"])?;
        sheet.write_string(3, 0, "Acme")?;
        sheet.write_number(3, 1, 1001)?;
        sheet.write_number(3, 2, 12500.5)?;
        sheet.write_datetime_with_format(3, 3, ExcelDateTime::from_ymd(2024, 3, 15)?, &date)?;
        sheet.write_datetime_with_format(3, 4, ExcelDateTime::from_ymd(2024, 3, 15)?.and_hms(14, 30, 0)?, &date_time)?;
        sheet.write_boolean(3, 5, true)?;
        sheet.write_formula(3, 6, Formula::new("=0.1+0.2").set_result("0.30000000000000004"))?;
        sheet.write_number(3, 7, 5_550_102_030.0)?;
        sheet.write_datetime_with_format(3, 8, ExcelDateTime::from_hms(9, 5, 0)?, &time)?;
        sheet.write_number_with_format(3, 9, 1.5, &duration)?;
        // Row 5 is blank; row 6 leaves cells out, and its last cell has only a format.
        sheet.write_string(5, 0, "Beta")?;
        sheet.write_boolean(5, 5, false)?;
        sheet.write_number(5, 6, -0.25)?;
        sheet.write_blank(5, 9, &date)?;
        Ok(())
    });
    check_table(read_xlsx_bytes(&bytes).unwrap(), expect![[r#"
        Name | Customer # | Limit | Since | Last call | Active | Ratio | Phone | Call at | Time spent
        4: Acme | 1001 | 12500.5 | 2024-03-15 | 2024-03-15 14:30:00 | TRUE | 0.3 | 5550102030 | 09:05:00 | 36:00:00
        6: Beta |  |  |  |  | FALSE | -0.25 |  |  | "#]]);
}

#[test]
fn xlsx_reads_the_first_visible_worksheet_with_spreadsheet_row_numbers() {
    let mut workbook = Workbook::new();
    let hidden = workbook.add_worksheet().set_name("Lookup").unwrap();
    hidden.write_row(0, 0, ["Code", "Meaning"]).unwrap();
    hidden.write_row(1, 0, ["A", "Active"]).unwrap();
    hidden.set_hidden(true);
    let visible = workbook.add_worksheet().set_name("Customers").unwrap();
    visible.set_active(true);
    visible.write_row(1, 1, ["Name", "City"]).unwrap();
    visible.write_row(4, 1, ["Acme", "Austin"]).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    check_table(read_xlsx_bytes(&bytes).unwrap(), expect![[r#"
        Name | City
        5: Acme | Austin"#]]);
}

#[test]
fn bad_workbooks_are_refused_with_the_cell_to_fix() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "error value",
            workbook_bytes(|sheet| {
                sheet.write_row(0, 0, ["Name", "Limit"])?;
                sheet.write_string(1, 0, "Acme")?;
                sheet.write_formula(1, 1, Formula::new("=1/0").set_result("#DIV/0!"))?;
                Ok(())
            }),
            "Cell B2 holds the Excel error #DIV/0!. Correct the formula or clear the cell, then import again.",
        ),
        (
            "value right of the header",
            workbook_bytes(|sheet| {
                sheet.write_row(0, 0, ["Name", "City"])?;
                sheet.write_row(6, 0, ["Acme", "Austin"])?;
                sheet.write_string(6, 3, "stray note")?;
                Ok(())
            }),
            "Row 7 has a value in column D, but the header row (row 1) names only columns A to B. Name column D in the header row, or clear it.",
        ),
        (
            "title row above the header",
            workbook_bytes(|sheet| {
                sheet.write_string(0, 1, "Customer list")?;
                sheet.write_row(2, 1, ["Name", "City"])?;
                Ok(())
            }),
            "Row 3 has a value in column C, but the header row (row 1) names only column B. Name column C in the header row, or clear it.",
        ),
        (
            "value far right",
            workbook_bytes(|sheet| {
                sheet.write_row(0, 0, ["Name", "City"])?;
                sheet.write_string(1, 16_000, "x")?;
                Ok(())
            }),
            "Cell WQK2 holds a value, but import reads only the first 200 columns (up to column GR). Delete the columns you do not need.",
        ),
        (
            "header gap",
            workbook_bytes(|sheet| {
                sheet.write_string(0, 0, "Name")?;
                sheet.write_string(0, 2, "City")?;
                sheet.write_row(1, 0, ["Acme", "", "Austin"])?;
                Ok(())
            }),
            "Row 1: column B of the header row has no name. Give every column a name in the first row, or delete the empty column.",
        ),
        (
            "duplicate header",
            workbook_bytes(|sheet| {
                sheet.write_row(0, 0, ["Name", "Email", "email", "Email "])?;
                Ok(())
            }),
            "Row 1: the header row names two columns \"Email\" (column B and column D). Rename one of them.",
        ),
        ("empty sheet", workbook_bytes(|_| Ok(())), "The worksheet \"Sheet1\" is empty. Import reads the first worksheet; move the data there."),
        (
            "header only",
            workbook_bytes(|sheet| {
                sheet.write_row(0, 0, ["Name", "City"])?;
                Ok(())
            }),
            "The file has a header row but no data rows.",
        ),
        (
            "long cell",
            workbook_bytes(|sheet| {
                sheet.write_row(0, 0, ["Name", "Notes"])?;
                sheet.write_row(1, 0, ["Acme".to_owned(), "é".repeat(32_767)])?;
                sheet.write_string(2, 0, "Beta")?;
                Ok(())
            }),
            "",
        ),
    ];
    for (name, bytes, expected) in cases {
        let result = read_bytes("customers.xlsx", &bytes);
        if expected.is_empty() {
            // Excel's own cell limit (32,767 characters) is below ours, so a full cell reads.
            assert_eq!(result.unwrap().rows[0].cells[1].chars().count(), 32_767, "{name}");
        } else {
            assert_eq!(file_message(result), expected, "{name}");
        }
    }
    let limits = Limits { max_cell_chars: 10, ..Limits::DEFAULT };
    let bytes = workbook_bytes(|sheet| {
        sheet.write_row(0, 0, ["Name", "Notes"])?;
        sheet.write_row(1, 0, ["Acme", "eleven char"])?;
        Ok(())
    });
    expect![[r#"Row 2, column "Notes" holds 11 characters; a cell can hold at most 10."#]]
        .assert_eq(&file_message(read_content(&bytes, &limits)));
}

fn check_mapping_suggestion(target: ImportTarget, headers: &str, expect: Expect) {
    let headers: Vec<String> = headers.split(',').map(str::to_owned).collect();
    let mapping = suggest_mapping(target, &headers);
    let mut text = String::new();
    for (header, key) in headers.iter().zip(&mapping.columns) {
        writeln!(text, "{header} -> {}", key.as_deref().unwrap_or("-")).unwrap();
    }
    expect.assert_eq(&text);
}

#[test]
fn mapping_suggestions_for_salesforce_exports() {
    check_mapping_suggestion(
        ImportTarget::Companies,
        "Account ID,Account Name,Account Number,Phone,Fax,Website,Billing Street,Billing City,Billing State/Province,Billing Zip/Postal Code,Billing Country,Shipping Street,Shipping City,Industry,Description,Account Owner",
        expect![[r#"
            Account ID -> -
            Account Name -> name
            Account Number -> customer_number
            Phone -> phone
            Fax -> -
            Website -> website
            Billing Street -> street
            Billing City -> city
            Billing State/Province -> region
            Billing Zip/Postal Code -> postcode
            Billing Country -> country
            Shipping Street -> -
            Shipping City -> -
            Industry -> -
            Description -> -
            Account Owner -> -
        "#]],
    );
    check_mapping_suggestion(
        ImportTarget::Contacts,
        "Contact ID,Salutation,First Name,Last Name,Title,Account Name,Mailing Street,Mailing City,Mailing State/Province,Mailing Zip/Postal Code,Mailing Country,Phone,Mobile,Email,Other City",
        expect![[r#"
            Contact ID -> -
            Salutation -> -
            First Name -> first_name
            Last Name -> last_name
            Title -> job_title
            Account Name -> company
            Mailing Street -> street
            Mailing City -> city
            Mailing State/Province -> region
            Mailing Zip/Postal Code -> postcode
            Mailing Country -> country
            Phone -> office_phone
            Mobile -> mobile_phone
            Email -> email
            Other City -> -
        "#]],
    );
}

#[test]
fn mapping_suggestions_for_hubspot_exports() {
    check_mapping_suggestion(
        ImportTarget::Companies,
        "Record ID,Company name,Company owner,Create Date,Phone Number,City,Country/Region,Industry,Company Domain Name,Website URL,Street Address,State/Region,Postal Code",
        expect![[r#"
            Record ID -> -
            Company name -> name
            Company owner -> -
            Create Date -> -
            Phone Number -> phone
            City -> city
            Country/Region -> country
            Industry -> -
            Company Domain Name -> -
            Website URL -> website
            Street Address -> street
            State/Region -> region
            Postal Code -> postcode
        "#]],
    );
    check_mapping_suggestion(
        ImportTarget::Contacts,
        "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Job Title,Associated Company,Contact owner,Lifecycle Stage",
        expect![[r#"
            Record ID -> -
            First Name -> first_name
            Last Name -> last_name
            Email -> email
            Phone Number -> office_phone
            Mobile Phone Number -> mobile_phone
            Job Title -> job_title
            Associated Company -> company
            Contact owner -> -
            Lifecycle Stage -> -
        "#]],
    );
}

#[test]
fn mapping_suggestions_for_hand_made_sheets() {
    check_mapping_suggestion(
        ImportTarget::Companies,
        "Customer #,Company Name,Address,Town,State,Zip,Tel,E-mail,Terms,Credit Limit,Price Level,Tags,Notes",
        expect![[r#"
            Customer # -> customer_number
            Company Name -> name
            Address -> street
            Town -> city
            State -> region
            Zip -> postcode
            Tel -> phone
            E-mail -> email
            Terms -> payment_days
            Credit Limit -> credit_limit
            Price Level -> price_code
            Tags -> tags
            Notes -> -
        "#]],
    );
    // The first best match wins; later look-alikes and exact names beat prefixed ones.
    check_mapping_suggestion(
        ImportTarget::Companies,
        "Billing Phone,COMPANY,Organisation,  phone ,Main Email,ZIP CODE,postal_code,County",
        expect![[r#"
            Billing Phone -> -
            COMPANY -> name
            Organisation -> -
              phone  -> phone
            Main Email -> email
            ZIP CODE -> postcode
            postal_code -> -
            County -> region
        "#]],
    );
    check_mapping_suggestion(
        ImportTarget::Contacts,
        "Given name,Surname,Position,Cell,Work Phone,Company,Customer #,Province",
        expect![[r#"
            Given name -> first_name
            Surname -> last_name
            Position -> job_title
            Cell -> mobile_phone
            Work Phone -> office_phone
            Company -> company
            Customer # -> -
            Province -> region
        "#]],
    );
}

fn mapping(keys: &[&str]) -> ColumnMapping {
    ColumnMapping { columns: keys.iter().map(|key| (!key.is_empty()).then(|| key.to_string())).collect() }
}

#[test]
fn check_mapping_reports_every_problem_at_once() {
    let headers: Vec<String> = ["Company", "Mail", "E-mail", "Web"].map(String::from).to_vec();
    let suggested = suggest_mapping(ImportTarget::Companies, &headers);
    assert_eq!(suggested, mapping(&["name", "email", "", "website"]));
    check_mapping(ImportTarget::Companies, &suggested, &headers).unwrap();

    let cases: Vec<(ImportTarget, ColumnMapping, Vec<&str>)> = vec![
        (
            ImportTarget::Companies,
            mapping(&["", "email", "email", "fax"]),
            vec![
                "Columns \"Mail\" and \"E-mail\" are both mapped to Email. Set one of them to \"Ignore\".",
                "Column \"Web\" is mapped to \"fax\", which is not a company field. Choose another field or \"Ignore\".",
                "Map a column to Name: every company needs one.",
            ],
        ),
        (
            ImportTarget::Contacts,
            mapping(&["company", "email", "", "name"]),
            vec![
                "Column \"Web\" is mapped to \"name\", which is not a contact field. Choose another field or \"Ignore\".",
                "Map a column to First name or Last name: every contact needs one of them.",
            ],
        ),
        (
            ImportTarget::Companies,
            mapping(&["name"]),
            vec!["The mapping lists 1 columns, but the file has 4. Read the file again."],
        ),
    ];
    for (target, mapping, expected) in cases {
        let messages = assert_invalid(check_mapping(target, &mapping, &headers), &vec!["mapping"; expected.len()]);
        assert_eq!(messages, expected, "{target:?} {mapping:?}");
    }
    check_mapping(ImportTarget::Contacts, &mapping(&["company", "", "", "last_name"]), &headers).unwrap();
}

#[test]
fn preview_shows_the_first_rows_with_their_line_numbers() {
    let mut text = String::from("First Name,Surname,Email\n");
    for n in 1..=25 {
        text.push_str(&format!("Ann{n},Lee,ann{n}@x.example\n"));
        if n == 3 {
            text.push('\n');
        }
    }
    let table = read_csv_bytes(text.as_bytes()).unwrap();
    let preview = preview(ImportTarget::Contacts, &table);
    assert_eq!(preview.total_rows, 25);
    assert_eq!(preview.sample.len(), PREVIEW_ROWS);
    assert_eq!(preview.sample[3], ["Ann4", "Lee", "ann4@x.example"]);
    assert_eq!(preview.sample_lines[..5], [2, 3, 4, 6, 7]);
    assert_eq!(preview.mapping, mapping(&["first_name", "last_name", "email"]));
    assert_eq!(preview.headers, table.headers);
}

/// Not a timed assertion: prints how long reading a 100,000-row, 12-column file takes. Run with
/// `cargo test --release -p crm-core import::tests::read_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn read_speed() {
    let headers = "Customer #,Name,Phone,Email,Website,Street,City,Postcode,State,Country,Credit limit,Tags";
    let mut csv_text = String::from(headers);
    csv_text.push('\n');
    for n in 0..100_000 {
        writeln!(
            csv_text,
            "A{n},\"Company {n}, Inc\",+1 (555) 010-{:04},sales{n}@company{n}.example,www.company{n}.example,\
             {n} Main Street,Austin,787{:02},TX,United States,\"12,500.00\",wholesale;east",
            n % 10_000,
            n % 100
        )
        .unwrap();
    }
    let started = std::time::Instant::now();
    let table = read_csv_bytes(csv_text.as_bytes()).unwrap();
    let csv_time = started.elapsed();
    assert_eq!((table.rows.len(), table.headers.len()), (100_000, 12));
    let mapping_started = std::time::Instant::now();
    let _ = preview(ImportTarget::Companies, &table);
    let preview_time = mapping_started.elapsed();

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row_index, row) in std::iter::once(headers.split(',').map(str::to_owned).collect::<Vec<_>>())
        .chain(table.rows.iter().map(|row| row.cells.clone()))
        .enumerate()
    {
        sheet.write_row(row_index as u32, 0, row).unwrap();
    }
    let xlsx = workbook.save_to_buffer().unwrap();
    let started = std::time::Instant::now();
    let from_xlsx = read_xlsx_bytes(&xlsx).unwrap();
    let xlsx_time = started.elapsed();
    assert_eq!(from_xlsx.rows.len(), 100_000);
    println!(
        "read 100,000 rows x 12 columns: CSV ({:.1} MB) in {csv_time:?}, preview in {preview_time:?}, \
         .xlsx ({:.1} MB) in {xlsx_time:?}",
        csv_text.len() as f64 / 1e6,
        xlsx.len() as f64 / 1e6
    );
}

#[test]
fn errors_are_invalid_file_errors() {
    let error = read_csv_bytes(b"").unwrap_err();
    assert!(matches!(&error, CoreError::Invalid(fields) if fields[0].field == "file"));
    assert_eq!(error.to_string(), "file: The file is empty.");
}

