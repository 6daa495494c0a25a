"""CSV files that a spreadsheet opens as data, never as formulas (OWASP's CSV
injection guidance).

- A cell whose text starts with a formula character (= + - @, or their full-width
  forms), or with whitespace or a control character (tab, carriage return, line
  feed, NUL...), or reaches a formula character after such leading whitespace, gets
  a leading apostrophe: spreadsheets trim or skip those before deciding a cell is
  a formula, and show the apostrophe-prefixed text as typed.
- Every cell is quoted, with quotes inside it doubled, so a separator, quote or
  line break inside a value can never start a new cell or row, whatever separator
  the spreadsheet assumes.
"""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = frozenset("=+-@＝＋－＠")
# First in a file for spreadsheets to open: Excel reads a CSV without it in the
# system's legacy code page, which garbles Chinese; with it, as UTF-8.
EXCEL_BOM = "\ufeff"


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    if not text:
        return text
    first = text[0]
    if first in FORMULA_STARTS or first.isspace() or not first.isprintable():
        return "'" + text
    return text


class _Echo:
    """A file that hands back what is written, so rows stream without a buffer."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line, every cell defused and quoted."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])
