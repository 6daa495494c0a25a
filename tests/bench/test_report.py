"""The benchmark's verdicts and table: which way each goal points, and what a row shows."""

from bench.report import (
    NOT_MEASURED,
    OK,
    SHORT,
    Row,
    at_least,
    at_most,
    count,
    format_table,
    ms,
    no_more_than,
    per_second,
    seconds,
    shortfalls,
)


def test_a_time_within_its_limit_is_ok():
    row = Row("dialog", ms(15), ms(7.5), "bare", at_most(2))
    assert row.ratio == 2
    assert row.verdict == OK


def test_a_time_over_its_limit_is_short():
    assert Row("dialog", ms(15.1), ms(7.5), "bare", at_most(2)).verdict == SHORT


def test_throughput_is_better_when_greater():
    reference = per_second(400)
    assert Row("counter", per_second(320), reference, "bare", at_least(0.8)).verdict == OK
    assert Row("counter", per_second(319), reference, "bare", at_least(0.8)).verdict == SHORT


def test_an_unmeasured_row_is_not_applicable_rather_than_failed():
    row = Row("unchanged poll", None, per_second(400), "bare", at_least(1.0), "no ETag")
    assert row.ratio is None
    assert row.verdict == NOT_MEASURED


def test_a_missing_or_zero_reference_gives_no_ratio():
    assert Row("x", ms(3), None, "", at_most(2)).verdict == NOT_MEASURED
    assert Row("x", ms(3), ms(0), "bare", at_most(2)).verdict == NOT_MEASURED


def test_a_failed_request_is_short_however_quick():
    row = Row("Delete All", seconds(2), seconds(1), "raw DELETE", at_most(3),
              "failed: RemoteDisconnected", failed=True)
    assert row.verdict == SHORT


def test_errors_are_judged_by_their_count_without_a_reference():
    assert Row("errors under load", count(0), None, "", no_more_than(0)).verdict == OK
    assert Row("errors under load", count(1), None, "", no_more_than(0)).verdict == SHORT


def test_goals_read_as_in_the_specification():
    assert str(at_most(1.5)) == "<= 1.5x"
    assert str(at_least(0.5)) == ">= 0.5x"
    assert str(no_more_than(0)) == "0"


def test_quantities_carry_their_units():
    assert str(ms(7.94)) == "7.9 ms"
    assert str(ms(478.4)) == "478 ms"
    assert str(per_second(1234.4)) == "1,234 req/s"
    assert str(seconds(5.154)) == "5.15 s"
    assert str(seconds(0.0042)) == "4 ms"
    assert str(count(3)) == "3"


def test_the_table_is_markdown_with_one_line_per_row():
    rows = [
        Row("dialog first page", ms(30), ms(7.9), "bare", at_most(2)),
        Row("throughput: unchanged poll", None, per_second(477), "bare", at_least(1.0),
            "the counter sends no ETag"),
    ]
    lines = format_table(rows).splitlines()
    assert len(lines) == 4
    assert [cell.strip() for cell in lines[0].strip("|").split("|")] == [
        "path", "measured", "reference", "ratio", "goal", "result"]
    assert set(lines[1]) <= set("|-:")
    assert [cell.strip() for cell in lines[2].strip("|").split("|")] == [
        "dialog first page", "30.0 ms", "7.9 ms bare", "3.80x", "<= 2x", "short"]
    assert "n/a (the counter sends no ETag)" in lines[3]
    assert len({len(line) for line in lines}) == 1  # aligned


def test_shortfalls_lists_only_the_rows_that_miss():
    met = Row("a", ms(1), ms(1), "bare", at_most(2))
    missed = Row("b", ms(3), ms(1), "bare", at_most(2))
    unknown = Row("c", None, ms(1), "bare", at_most(2))
    assert shortfalls([met, missed, unknown]) == [missed]
