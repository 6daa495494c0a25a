"""The shape of a project id, for every place that checks one: URL converters,
scoped look-ups, model validation and the OpenAPI schema."""

import re

# 32 lowercase hexadecimal characters: a UUID4 without dashes (Keystone's form).
PROJECT_ID_PATTERN = "[0-9a-f]{32}"
PROJECT_ID = re.compile(PROJECT_ID_PATTERN)
