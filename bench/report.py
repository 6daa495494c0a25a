"""The benchmark's table: each figure beside its reference, the goal and the verdict.

Pure functions only (no Django, no network), so the rules that decide "ok" or
"short" are tested on their own. A goal is either a ratio to a reference
measured in the same run (smaller is better for times, greater is better for
throughput) or an absolute count (errors under load).
"""

from dataclasses import dataclass

OK, SHORT, NOT_MEASURED = "ok", "short", "n/a"


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str  # "ms", "s", "req/s" or "" for a plain count

    def __str__(self) -> str:
        if self.unit == "":
            return f"{self.value:,.0f}"
        if self.unit == "req/s":
            return f"{self.value:,.0f} req/s"
        if self.unit == "s":
            return f"{self.value:.2f} s" if self.value >= 1 else f"{self.value * 1000:.0f} ms"
        return f"{self.value:.1f} ms" if self.value < 100 else f"{self.value:,.0f} ms"


def ms(value: float) -> Quantity:
    return Quantity(value, "ms")


def seconds(value: float) -> Quantity:
    return Quantity(value, "s")


def per_second(value: float) -> Quantity:
    return Quantity(value, "req/s")


def count(value: int) -> Quantity:
    return Quantity(value, "")


@dataclass(frozen=True)
class Goal:
    """`ratio <= limit` (times), `ratio >= limit` (throughput) or `value <= limit` (counts)."""

    kind: str  # "at most", "at least" or "count at most"
    limit: float

    @property
    def needs_reference(self) -> bool:
        return self.kind != "count at most"

    def met_by(self, number: float) -> bool:
        if self.kind == "at least":
            return number >= self.limit
        return number <= self.limit

    def __str__(self) -> str:
        if self.kind == "count at most":
            return f"{self.limit:g}" if self.limit == 0 else f"<= {self.limit:g}"
        return f"{'<=' if self.kind == 'at most' else '>='} {self.limit:g}x"


def at_most(limit: float) -> Goal:
    return Goal("at most", limit)


def at_least(limit: float) -> Goal:
    return Goal("at least", limit)


def no_more_than(limit: int) -> Goal:
    return Goal("count at most", limit)


@dataclass(frozen=True)
class Row:
    path: str
    measured: Quantity | None  # None: this run could not measure it (say why in `note`)
    reference: Quantity | None
    reference_name: str  # what the reference is: "bare", "values", "raw DELETE", ...
    goal: Goal
    note: str = ""
    failed: bool = False  # the request itself failed: short, whatever its time

    @property
    def ratio(self) -> float | None:
        if self.measured is None or self.reference is None or not self.reference.value:
            return None
        return self.measured.value / self.reference.value

    @property
    def verdict(self) -> str:
        if self.failed:
            return SHORT
        if self.measured is None:
            return NOT_MEASURED
        if not self.goal.needs_reference:
            return OK if self.goal.met_by(self.measured.value) else SHORT
        if self.ratio is None:
            return NOT_MEASURED
        return OK if self.goal.met_by(self.ratio) else SHORT


COLUMNS = ("path", "measured", "reference", "ratio", "goal", "result")


def cells(row: Row) -> tuple[str, ...]:
    reference = f"{row.reference} {row.reference_name}".strip() if row.reference else ""
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
    measured = str(row.measured) if row.measured is not None else NOT_MEASURED
    result = row.verdict + (f" ({row.note})" if row.note else "")
    return (row.path, measured, reference, ratio, str(row.goal), result)


def format_table(rows: list[Row]) -> str:
    """A Markdown table, aligned for the terminal and pasteable as it is."""
    lines = [COLUMNS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    numeric = {1, 2, 3}  # right-aligned columns

    def render(line) -> str:
        padded = [
            value.rjust(width) if i in numeric else value.ljust(width)
            for i, (value, width) in enumerate(zip(line, widths))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (width + 1) + ":" if i in numeric else "-" * (width + 2)
        for i, width in enumerate(widths)
    ) + "|"
    return "\n".join([render(lines[0]), rule, *(render(line) for line in lines[1:])])


def shortfalls(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.verdict == SHORT]
