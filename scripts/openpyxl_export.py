#!/usr/bin/env python3
"""Baseline for the list-export benchmark: the same rows written with openpyxl's write-only mode.

Usage: openpyxl_export.py INPUT.csv OUTPUT.xlsx

INPUT.csv is what crm_core::export::bench_input_csv writes: line 1 is the header, line 2 names
each column's kind (text, int, money, percent, date, datetime), and every further line is a row
as the CRM's CSV export formats it (money "1234.50", percent "2.50", dates "2026-11-24" and
"2026-11-24 13:05", empty for no value).

All rows are parsed into Python values first and are not timed. Only building and saving the
workbook is timed, with the same bold header, frozen pane, autofilter, column widths and number
formats as the Rust export (as far as write-only mode allows), so that the comparison is about
writing the file, not about parsing CSV. The elapsed seconds are printed as a single float.

Needs `pip install openpyxl`.
"""

import csv
import sys
import time
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

NUMBER_FORMATS = {
    "money": "#,##0.00",
    "percent": "0.00%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}

# The same widths as core/src/export/xlsx.rs gives each kind.
WIDTHS = {"text": 24, "int": 10, "money": 14, "percent": 9, "date": 11, "datetime": 17}


def parse(kind, text):
    """One CSV field as the Python value openpyxl should write."""
    if text == "":
        return None
    if kind == "int":
        return int(text)
    if kind == "money":
        return float(text)
    if kind == "percent":
        return float(text) / 100.0
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "datetime":
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    return text


def load(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        kinds = next(reader)
        rows = [[parse(kind, field) for kind, field in zip(kinds, record)] for record in reader]
    return header, kinds, rows


def write(path, header, kinds, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.freeze_panes = "A2"
    last_column = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A1:{last_column}{len(rows) + 1}"
    for index, kind in enumerate(kinds, start=1):
        width = max(WIDTHS.get(kind, 24), len(header[index - 1]) * 1.1 + 3)
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 50)

    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    # Write-only mode can format a value only through a WriteOnlyCell; plain values get General.
    formats = [NUMBER_FORMATS.get(kind) for kind in kinds]
    for row in rows:
        out = []
        for value, number_format in zip(row, formats):
            if number_format is None or value is None:
                out.append(value)
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
        sheet.append(out)
    workbook.save(path)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: openpyxl_export.py INPUT.csv OUTPUT.xlsx")
    header, kinds, rows = load(sys.argv[1])
    started = time.perf_counter()
    write(sys.argv[2], header, kinds, rows)
    print(f"{time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
