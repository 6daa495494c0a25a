"""The JSON parser of every API face.

Python's json module recurses once per level of nesting, so a body of a few
thousand "[" raises RecursionError in the parser, or later in whatever walks the
data. No request needs more than a few levels (the deepest, a Keystone token
request, has seven), so anything deeper is refused as malformed: a 400 in the
face's own error body, never a 500.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
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
