"""Looking up failure causes in the error-code catalog."""

from failedtasks.models import ErrorCode


def load_missing_error_codes(**_signal_kwargs) -> int:
    """Insert shipped catalog entries that the database lacks; never overwrite edits."""
    from failedtasks.error_catalog import ERROR_CODES  # a large literal: load on demand

    known = set(ErrorCode.objects.values_list("code", flat=True))
    missing = [ErrorCode(**entry) for entry in ERROR_CODES if entry["code"] not in known]
    ErrorCode.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def entries_read_with(tasks) -> dict[str, ErrorCode]:
    """Catalog entries of tasks read with_row_extras(): no query of their own."""
    return {task.error_code: ErrorCode(**task.catalog_entry)
            for task in tasks if task.catalog_entry}


def entries_for(codes) -> dict[str, ErrorCode]:
    """Catalog entries for a page of tasks, in one query."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return {entry.code: entry for entry in ErrorCode.objects.filter(code__in=codes)}
