"""How the API faces write times."""

from datetime import UTC


def utc_millis(value) -> str:
    """UTC with milliseconds and a Z, as the cloud's APIs answer: 2019-01-21T12:56:35.754Z."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"
