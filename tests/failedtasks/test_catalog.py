import pytest

from failedtasks.catalog import entries_for, load_missing_error_codes
from failedtasks.error_catalog import ERROR_CODES
from failedtasks.models import ErrorCode

pytestmark = pytest.mark.django_db

SEED_CODES = {f"CSS.60{n:02d}" for n in (0, 1, 2, 3, 4, 5, 7, 8, 9, 10)} | {"Ecs.0013", "EVS.2024"}


def test_every_code_of_the_source_documents_ships():
    assert SEED_CODES <= {entry["code"] for entry in ERROR_CODES}


def test_migrate_loaded_the_catalog_in_both_languages():
    entry = ErrorCode.objects.get(code="Ecs.0013")
    assert "EIP" in entry.cause_en and "EIP" in entry.cause_zh
    assert entry.solution_en and entry.solution_zh
    assert ErrorCode.objects.count() == len(ERROR_CODES)


def test_loading_again_keeps_admin_edits():
    ErrorCode.objects.filter(code="CSS.6000").update(solution_en="Call Jo on 1234.")
    assert load_missing_error_codes() == 0
    assert ErrorCode.objects.get(code="CSS.6000").solution_en == "Call Jo on 1234."


def test_the_cause_follows_the_language():
    from django.utils import translation

    entry = ErrorCode.objects.get(code="CSS.6008")
    with translation.override("zh-hans"):
        assert entry.cause == entry.cause_zh
    with translation.override("en"):
        assert entry.cause.startswith("Failed to create the snapshot")


def test_entries_for_a_page_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        entries = entries_for(["CSS.6000", "NOPE.1", "", "CSS.6000"])
    assert set(entries) == {"CSS.6000"}
