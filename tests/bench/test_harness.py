"""The benchmark's plumbing: wrk's summary, the recording script, form fields, the path table."""

import pytest
from django.urls import Resolver404, resolve

from bench import paths
from bench.client import BenchError, post_form_fields
from bench.load import RESULT_MARK, LoadResult, parse_result, post_script

SUBJECT = paths.Subject(
    project="0" * 32, counter_project="1" * 32, delete_project="2" * 32, page=3000,
    offset=40_000, name_fragment="load-0421", id_prefix="68acc6e7", error_code="Ecs.0013",
)


def test_it_reads_the_summary_the_script_prints():
    output = (
        "Running 5s test @ http://127.0.0.1:8000/\n"
        f'{RESULT_MARK}{{"requests": 2400, "duration_us": 5000000, "connect": 0, "read": 1, '
        '"write": 0, "status": 2, "timeout": 3}\n'
    )
    result = parse_result(output)
    assert result.per_second == 480
    assert (result.status_errors, result.socket_errors, result.errors) == (2, 4, 6)


def test_slices_of_one_path_add_up():
    first = LoadResult(requests=100, seconds=2.0, status_errors=1, socket_errors=0)
    second = LoadResult(requests=140, seconds=2.0, status_errors=0, socket_errors=2)
    total = first + second
    assert total.per_second == 60
    assert total.errors == 3


def test_it_refuses_output_without_a_summary():
    with pytest.raises(ValueError):
        parse_result("unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_the_recording_script_sends_distinct_job_ids_with_its_headers():
    script = post_script({"X-Auth-Token": "abc", "Content-Type": "application/json"},
                         paths.RECORD_BODY, "bench-17")
    assert '["X-Auth-Token"] = "abc"' in script
    assert '"bench-17"' in script
    assert "thread_number, sent" in script  # run prefix, wrk thread and request number
    assert 'wrk.format("POST"' in script
    assert "function done(" in script


def test_it_finds_the_hidden_fields_of_the_form_it_posts_to():
    html = """
      <form method="get" action="/x/delete-all/"><input type="hidden" name="tab" value="op"></form>
      <form method="post" action="/x/delete-all/">
        <input type="hidden" name="csrfmiddlewaretoken" value="t0k">
        <input type="hidden" name="tab" value="creation">
        <input type="text" name="ignored" value="typed">
        <button type="submit">Yes</button>
      </form>
      <form method="post" action="/elsewhere/"><input type="hidden" name="other" value="1"></form>
    """
    assert post_form_fields(html, "/x/delete-all/") == [
        ("csrfmiddlewaretoken", "t0k"), ("tab", "creation")]


def test_it_says_when_the_page_has_no_such_form():
    with pytest.raises(BenchError):
        post_form_fields("<p>There are no failed tasks to delete.</p>", "/x/delete-all/")


def test_placeholders_are_quoted_for_the_url():
    subject = paths.Subject(project="0" * 32, counter_project="1" * 32, name_fragment="a b&c")
    assert subject.fill(paths.DIALOG + "?q={name_fragment}").endswith("?q=a%20b%26c")


@pytest.mark.parametrize("template", [
    paths.LOGIN, paths.TOKENS, paths.SERVICE_PAGE, paths.COUNTER, paths.DIALOG, paths.DELETE_ALL,
    paths.DELETE_ALL_CSS, paths.RECORD,
    *(latency.url for latency in paths.LATENCY), *(load.url for load in paths.THROUGHPUT),
])
def test_every_measured_path_is_a_route_of_the_product(template):
    resolve(SUBJECT.fill(template).split("?")[0], urlconf="bench.urls")
    resolve(SUBJECT.fill(template).split("?")[0])  # the product's own URLconf


@pytest.mark.parametrize("path", [paths.BARE_GET, paths.BARE_POST, paths.READY])
def test_the_yardsticks_live_only_in_the_benchmark(path):
    resolve(path, urlconf="bench.urls")
    with pytest.raises(Resolver404):
        resolve(path)


def test_every_slice_of_the_recording_run_sends_its_own_job_ids(monkeypatch, tmp_path):
    """wrk numbers a run's requests from 1: slices with one prefix would repeat their
    job ids, and the later slices would measure updates instead of new failures."""
    from argparse import Namespace

    from bench import run as bench_run

    sent: dict[str, list[str]] = {}

    def fake_wrk(url, *, script, **_options):
        sent.setdefault(url, []).append(script)
        return LoadResult(requests=10, seconds=1.0, status_errors=0, socket_errors=0)

    monkeypatch.setattr(bench_run, "run_wrk", fake_wrk)
    monkeypatch.setattr(bench_run.Run, "drain", lambda self: None)
    monkeypatch.setattr(bench_run, "tally_and_count", lambda project_id: (5, 5))
    run = bench_run.Run(Namespace(seconds=6, workdir=tmp_path), port=1, demo_port=2)
    row = bench_run.measure_recording(run, SUBJECT)

    assert row.note == "tallies exact"
    assert len(sent) == 2  # the recording path and the bare POST
    for scripts in sent.values():
        assert len(scripts) == bench_run.SLICES
        assert len(set(scripts)) == bench_run.SLICES  # a prefix of its own each


def test_the_drain_waits_until_the_access_log_stops_growing(tmp_path):
    from bench.server import wait_until_idle

    looks = []

    def sizes(sequence):
        remaining = iter(sequence)

        def size_of(_path):
            looks.append(1)
            return next(remaining)
        return size_of

    # Growing, then the same size five looks in a row after the first: settled.
    assert wait_until_idle(tmp_path / "access.log", size_of=sizes([10, 20, 30, 30, 30, 30, 30, 30]),
                           sleep=lambda _seconds: None)
    assert len(looks) == 8
    # Still growing when it gives up.
    assert not wait_until_idle(tmp_path / "access.log", most_checks=10,
                               size_of=sizes(range(0, 1000, 7)), sleep=lambda _seconds: None)
