"""Verify requests signed with an access key / secret key ("SDK-HMAC-SHA256").

This is the scheme the Huawei Cloud SDKs use by default. A signed request
carries two headers::

    X-Sdk-Date: 20240102T030405Z
    Authorization: SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<h1;h2;...>, Signature=<hex>

The client builds a canonical request::

    <METHOD>\\n
    <canonical URI>\\n            each path segment percent-encoded, always ends in "/"
    <canonical query string>\\n   key=value pairs, encoded, sorted by key
    <name:value\\n for each signed header>\\n
    <signed header names joined by ";">\\n
    <hex SHA-256 of the body>

and signs ``"SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex SHA-256 of the canonical
request>"`` with HMAC-SHA256 keyed by the secret key; the signature is the
lowercase hex digest. The server rebuilds the canonical request from what it
received and compares signatures in constant time.

Typical use in a view or middleware::

    signed = parse_authorization(request.headers.get("Authorization"),
                                 request.headers.get("X-Sdk-Date"))
    secret = look_up_secret(signed.access_key)
    canonical = canonical_request(request.method, request.path,
                                  request.META.get("QUERY_STRING", ""),
                                  request.headers, signed.signed_headers,
                                  request.body)
    verify(secret, signed, canonical)

Every failure raises :class:`SignatureError`, whose message is safe to return
to the client.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
CONTENT_SHA256_HEADER = "x-sdk-content-sha256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# Schemes the same SDK can be configured to use instead (derived AK/SK, SM3,
# ECDSA, SM2). They are recognised only to give a clearer error.
OTHER_SDK_ALGORITHMS = frozenset(
    {"V11-HMAC-SHA256", "SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3"}
)

MALFORMED = "Malformed Authorization header"

# Real headers are ~200 characters; anything this long is not a signature.
_MAX_AUTHORIZATION_LENGTH = 4096
_ACCESS_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
# Lowercase RFC 9110 tokens separated by ";", which is what the SDK emits.
_HEADER_NAME = r"[a-z0-9!#$%&'*+.^_`|~\-]+"
_SIGNED_HEADERS = re.compile(rf"{_HEADER_NAME}(?:;{_HEADER_NAME})*")
_HEADER_NAME_RE = re.compile(_HEADER_NAME)
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
# [0-9] rather than \d: \d also matches non-ASCII digits, which strptime accepts.
_SDK_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")


class SignatureError(Exception):
    """The request is not validly signed; ``str(error)`` is safe to show the client."""


@dataclass(frozen=True)
class SignedRequest:
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str
    sdk_date: datetime


def parse_authorization(
    authorization: str | None,
    sdk_date: str | None,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(minutes=15),
) -> SignedRequest:
    """Parse the Authorization and X-Sdk-Date header values.

    ``now`` defaults to the current UTC time; a naive ``now`` is taken as UTC.
    Requests dated more than ``max_skew`` either side of ``now`` are refused,
    which bounds how long a captured request can be replayed.
    """
    if authorization is None or (
        isinstance(authorization, str) and not authorization.strip()
    ):
        raise SignatureError("Authorization header is missing")
    if (
        not isinstance(authorization, str)
        or len(authorization) > _MAX_AUTHORIZATION_LENGTH
        or not authorization.isascii()
    ):
        raise SignatureError(MALFORMED)

    scheme, _, params = authorization.strip().partition(" ")
    if scheme != ALGORITHM:
        if scheme in OTHER_SDK_ALGORITHMS:
            raise SignatureError("Unsupported signing algorithm")
        raise SignatureError(MALFORMED)

    fields: dict[str, str] = {}
    for item in params.split(","):
        name, sep, value = item.strip().partition("=")
        if (
            not sep
            or name not in ("Access", "SignedHeaders", "Signature")
            or name in fields
        ):
            raise SignatureError(MALFORMED)
        fields[name] = value
    if len(fields) != 3:
        raise SignatureError(MALFORMED)

    access_key = fields["Access"]
    if not _ACCESS_KEY.fullmatch(access_key):
        raise SignatureError(MALFORMED)
    if not _SIGNED_HEADERS.fullmatch(fields["SignedHeaders"]):
        raise SignatureError(MALFORMED)
    signed_headers = tuple(fields["SignedHeaders"].split(";"))
    if len(set(signed_headers)) != len(signed_headers):
        raise SignatureError(MALFORMED)
    # The SDK always signs Host; requiring it stops a signature made for one
    # host being replayed against another.
    if "host" not in signed_headers:
        raise SignatureError("Host must be a signed header")
    if not _SIGNATURE.fullmatch(fields["Signature"]):
        raise SignatureError(MALFORMED)

    when = _parse_sdk_date(sdk_date)
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if abs(now - when) > max_skew:
        raise SignatureError(
            f"X-Sdk-Date is more than {_describe(max_skew)} from the server time"
        )

    return SignedRequest(
        access_key=access_key,
        signed_headers=signed_headers,
        signature=fields["Signature"].lower(),
        sdk_date=when,
    )


def canonical_request(
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    body: bytes,
    *,
    allow_unsigned_payload: bool = False,
) -> str:
    """Rebuild the canonical request the client signed.

    From a Django request pass ``request.method``, ``request.path``,
    ``request.META.get("QUERY_STRING", "")``, ``request.headers`` and
    ``request.body``:

    * ``request.path`` is SCRIPT_NAME + PATH_INFO, i.e. the whole path the
      client sent, already percent-decoded by the server. The SDK also decodes
      its path before encoding each segment, so the decoded form is the right
      input; ``get_full_path()`` re-escapes with different rules and must not
      be used. ``request.path_info`` is equivalent only when the site is not
      mounted under a prefix.
    * ``QUERY_STRING`` is used raw: ``request.GET`` has already lost the
      encoding and the order of repeated keys.
    * Header values are taken as the server delivers them (PEP 3333: bytes as
      ISO-8859-1 text) and decoded as UTF-8, the encoding the SDK signs.
    * ``request.body`` must be read before anything consumes the stream
      (e.g. ``request.POST``).

    A body whose X-Sdk-Content-Sha256 header is not its own hash (the SDK sends
    ``UNSIGNED-PAYLOAD`` for non-JSON content types) is refused unless
    ``allow_unsigned_payload`` is true, since the signature then does not
    cover the body.
    """
    lowered = _lowercase_headers(headers)

    lines = []
    for name in signed_headers:
        if not isinstance(name, str) or not _HEADER_NAME_RE.fullmatch(name):
            raise SignatureError(MALFORMED)
        value = lowered.get(name)
        if value is None:
            raise SignatureError(f"Signed header {name} is missing from the request")
        lines.append(f"{name}:{value}")

    canonical = "\n".join(
        (
            method.upper(),
            _canonical_uri(path),
            _canonical_query(query_string or ""),
            "\n".join(lines) + "\n",
            ";".join(signed_headers),
            _payload_hash(body, lowered, signed_headers, allow_unsigned_payload),
        )
    )
    try:
        # Fail here rather than in the hashing step if the text cannot be signed.
        canonical.encode("utf-8")
    except UnicodeEncodeError:
        raise SignatureError("Request is not valid UTF-8") from None
    return canonical


def expected_signature(secret_key: str, signed: SignedRequest, canonical: str) -> str:
    """The hex HMAC-SHA256 signature the client must have sent."""
    when = signed.sdk_date
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    string_to_sign = "\n".join(
        (
            ALGORITHM,
            when.strftime(DATE_FORMAT),
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        )
    )
    return hmac.new(
        secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def verify(secret_key: str, signed: SignedRequest, canonical: str) -> None:
    """Raise SignatureError unless the request's signature is the expected one."""
    expected = expected_signature(secret_key, signed, canonical).encode("ascii")
    received = str(signed.signature).encode("utf-8", "replace")
    if not hmac.compare_digest(expected, received):
        raise SignatureError("Signature does not match")


def _parse_sdk_date(value: str | None) -> datetime:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SignatureError("X-Sdk-Date is missing")
    if not isinstance(value, str):
        raise SignatureError("X-Sdk-Date is malformed")
    value = value.strip()
    if not _SDK_DATE.fullmatch(value):
        raise SignatureError("X-Sdk-Date is malformed")
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError("X-Sdk-Date is malformed") from None


def _describe(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"


def _encode(text: str) -> str:
    # RFC 3986: only unreserved characters (letters, digits, "-._~") stay as is.
    return quote(text, safe="~")


def _canonical_uri(path: str) -> str:
    # The SDK percent-decodes its path, splits it on "/", encodes each segment
    # and appends "/" if missing. So "%2F" inside a segment counts as a
    # separator, and "/a" and "/a/" sign identically. The server's path is
    # already decoded, so only the encoding step is repeated here; decoding it
    # again would turn a literal "%41" into "A".
    uri = "/".join(_encode(segment) for segment in (path or "/").split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _canonical_query(query_string: str) -> str:
    # The SDK sends its canonical query string verbatim as the query, already
    # sorted by key (and by value for a repeated key, using Python ordering on
    # the original values, which for numbers is not string ordering). Sorting
    # by key only, stably, reproduces it exactly and keeps the order of
    # repeated values signed, which request.GET.getlist() exposes.
    try:
        raw = query_string.encode("latin-1")
    except UnicodeEncodeError:
        raw = query_string.encode("utf-8")
    pairs = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        key, _, value = piece.partition(b"=")
        pairs.append((_decode_query_part(key), _decode_query_part(value)))
    pairs.sort(key=lambda pair: pair[0])
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in pairs)


def _decode_query_part(part: bytes) -> str:
    # "+" means a space, as in request.GET. The SDK never sends a bare "+"
    # (it encodes it as %2B), and treating it as a space keeps the signed value
    # equal to what the view reads: swapping %2B for "+" fails verification.
    try:
        return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("Query string is not valid UTF-8") from None


def _lowercase_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = str(name).lower()
        if key in lowered:
            raise SignatureError("Duplicate header")
        lowered[key] = _header_text(value)
    return lowered


def _header_text(value: object) -> str:
    text = str(value)
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        # Not from a WSGI/ASGI server (those give ISO-8859-1 text); take it as is.
        return text.strip()
    try:
        # The SDK signs the UTF-8 text and sends its UTF-8 bytes; the SDK also
        # strips the value before signing it.
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SignatureError("Header values must be UTF-8") from None


def _payload_hash(
    body: bytes,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    allow_unsigned_payload: bool,
) -> str:
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body:
        # The SDK ignores X-Sdk-Content-Sha256 for an empty body.
        return EMPTY_BODY_SHA256
    actual = hashlib.sha256(body).hexdigest()
    declared = headers.get(CONTENT_SHA256_HEADER)
    if not declared:
        return actual
    # The SDK signs this header whenever it sends it. If it were not signed, it
    # could be added to a captured request to detach the signature from the body.
    if CONTENT_SHA256_HEADER not in signed_headers:
        raise SignatureError("X-Sdk-Content-Sha256 must be a signed header")
    if declared.lower() == actual or allow_unsigned_payload:
        return declared
    if declared == UNSIGNED_PAYLOAD:
        raise SignatureError("Unsigned payloads are not accepted")
    raise SignatureError("X-Sdk-Content-Sha256 does not match the body")
