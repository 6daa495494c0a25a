"""CSV cells a spreadsheet opens as text: formula starts defused (also behind
whitespace and control characters), every cell quoted."""

import csv
import io

import pytest

from console.lib.csv_export import csv_lines, spreadsheet_safe


@pytest.mark.parametrize("value", [
    "=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "－1", "\t=1+1", "\r=1+1", "\n=1+1", " =1+1",
    "\u00a0@x", "\u3000+x", "\t", "\rplain", "\nplain", "\x00=1", "\x0b=1",
])
def test_a_cell_that_could_start_a_formula_is_prefixed(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value,expected", [
    ("web-1", "web-1"), ("a=b", "a=b"), ("", ""), (None, ""), (42, "42"), ("'quoted", "'quoted"),
])
def test_ordinary_cells_are_left_alone(value, expected):
    assert spreadsheet_safe(value) == expected


def test_every_cell_is_quoted_so_a_separator_cannot_start_a_new_one():
    lines = list(csv_lines([["id", "name"], [1, 'a,b;c"d\r\n=e']]))
    assert lines[0] == '"id","name"\r\n'
    assert lines[1] == '"1","a,b;c""d\r\n=e"\r\n'
    assert list(csv.reader(io.StringIO("".join(lines)))) == [["id", "name"], ["1", 'a,b;c"d\r\n=e']]
