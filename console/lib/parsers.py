"""The JSON parser of every API face: strict JSON, nested no deeper than needed.

- Python's json module recurses once per level of nesting, so a body of a few
  thousand "[" raises RecursionError in the parser, or later in whatever walks the
  data. No request needs more than a few levels (the deepest, a Keystone token
  request, has seven), so anything deeper is refused.
- A number too large for a float (1e400) would become infinity, which neither
  JSON nor PostgreSQL can hold; NaN and Infinity are not JSON at all.

Either is malformed input: a 400 in the face's own error body, never a 500.
"""

import codecs
import json
import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_float=_finite,
                             parse_constant=_not_json)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}")
        if nested_deeper_than(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        return data


def nested_deeper_than(data, limit: int) -> bool:
    """Whether any value sits more than `limit` arrays or objects deep (iteratively,
    so the check itself cannot recurse too deep)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False
