"""AK/SK signature checks against requests signed by the real Huawei Cloud SDK.

Requests are signed by huaweicloudsdkcore's own Signer (or sent by the official
KPS and SDRS clients), travel over HTTP to a local WSGI server, and are read
back through Django's WSGIRequest, so the inputs are exactly what a Django view
sees: request.method, request.path, request.META["QUERY_STRING"],
request.headers and request.body.
"""

import hashlib
import json
import random
import threading
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests
from django.core.handlers.wsgi import WSGIRequest

from console.identity.signing import (
    SignatureError,
    canonical_request,
    expected_signature,
    parse_authorization,
    verify,
)

AK = "HPUAEXAMPLEAK0000001"
SK = "example-secret-key-0123456789abcdefghij"
KEYS = {AK: SK}
PROJECT_ID = "0123456789abcdef0123456789abcdef"
TASKS = f"/v3/{PROJECT_ID}/failed-tasks"
ODD_SEGMENT = "a b+c/é~%41 ключ"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def check(request, *, keys=None, now=None, authorization=None, date=None, **overrides):
    """Verify a received request as a view would; overrides replace its parts."""
    inputs = {
        "method": request.method,
        "path": request.path,
        "query_string": request.META.get("QUERY_STRING", ""),
        "headers": request.headers,
        "body": request.body,
    } | overrides
    signed = parse_authorization(
        request.headers.get("Authorization")
        if authorization is None
        else authorization,
        request.headers.get("X-Sdk-Date") if date is None else date,
        now=now,
    )
    # The access key is not part of what is signed: it only selects the secret.
    secret = (KEYS if keys is None else keys).get(signed.access_key)
    if secret is None:
        raise SignatureError("Unknown access key")
    canonical = canonical_request(
        inputs["method"],
        inputs["path"],
        inputs["query_string"],
        inputs["headers"],
        signed.signed_headers,
        inputs["body"],
    )
    verify(secret, signed, canonical)
    return signed, canonical


class CaptureServer:
    def __init__(self):
        self.received = []
        self.errors = []
        self.httpd = make_server("127.0.0.1", 0, self.app, handler_class=QuietHandler)
        self.host = f"127.0.0.1:{self.httpd.server_port}"
        self.url = f"http://{self.host}"

    def app(self, environ, start_response):
        request = WSGIRequest(environ)
        _ = request.body  # Read it now: the stream is gone once the response is sent.
        self.received.append(request)
        try:
            check(request)
        except SignatureError as error:
            self.errors.append(str(error))
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [
                json.dumps(
                    {"error_code": "APIGW.0301", "error_msg": str(error)}
                ).encode()
            ]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def import_sdk():
    """The SDK modules the tests use, and its Signer recording what it signed."""
    import huaweicloudsdkkps.v3 as kps
    import huaweicloudsdksdrs.v1 as sdrs
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    class RecordingSigner(Signer):
        canonical = None

        def _process_string_to_sign(self, canonical_request, time):
            self.canonical = canonical_request
            return super()._process_string_to_sign(canonical_request, time)

    return SimpleNamespace(
        BasicCredentials=BasicCredentials,
        SdkRequest=SdkRequest,
        RecordingSigner=RecordingSigner,
        kps=kps,
        sdrs=sdrs,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        # Importing the SDK writes an application id under $HOME; keep it out
        # of the real home directory.
        patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        patch.setenv("NO_PROXY", "127.0.0.1")
        capture = CaptureServer()
        capture.sdk = import_sdk()
        thread = threading.Thread(target=capture.httpd.serve_forever, daemon=True)
        thread.start()
        yield capture
        capture.httpd.shutdown()
        capture.httpd.server_close()
        thread.join()


def send(
    server, method, resource_path, query_params=(), headers=None, body=None, status=200
):
    """Sign with the SDK's Signer, send over HTTP, return (Django request, SDK canonical)."""
    header_params = {"Content-Type": "application/json", "X-Project-Id": PROJECT_ID}
    header_params.update(headers or {})
    sdk = server.sdk
    sdk_request = sdk.SdkRequest(
        method=method,
        schema="http",
        host=server.host,
        resource_path=resource_path,
        # The SDK sorts list values in place; keep the shared cases untouched.
        query_params=[
            (k, list(v) if isinstance(v, list) else v) for k, v in query_params
        ],
        header_params=header_params,
        body=body,
    )
    signer = sdk.RecordingSigner(sdk.BasicCredentials(AK, SK))
    signer.sign(sdk_request)
    response = requests.request(
        method,
        sdk_request.url,
        headers=sdk_request.header_params,
        data=sdk_request.body,
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == status, response.text
    return server.received[-1], signer.canonical


RICH_QUERY = [
    ("limit", 10),
    ("marker", ""),
    ("name", "a b+c/d&e=f"),
    ("repeat", "2"),
    ("repeat", "1"),
    ("tag", ["b", "a", "é"]),
    ("ids", [10, 9]),
    ("tilde", "~x~"),
    ("unicode", "日本語 ключ"),
    ("flag", True),
    ("sort key", "x y"),
]

ACCEPTED = {
    "get-rich-query": {
        "method": "GET",
        "resource_path": TASKS,
        "query_params": RICH_QUERY,
    },
    "get-no-query": {"method": "GET", "resource_path": TASKS},
    "get-trailing-slash": {
        "method": "GET",
        "resource_path": TASKS + "/",
        "query_params": [("limit", 1)],
    },
    "get-encoded-segment": {
        "method": "GET",
        "resource_path": f"{TASKS}/{quote(ODD_SEGMENT, safe='')}/detail",
    },
    "get-encoded-segment-trailing-slash": {
        "method": "GET",
        "resource_path": f"{TASKS}/{quote(ODD_SEGMENT, safe='')}/",
    },
    "delete-no-body": {"method": "DELETE", "resource_path": f"{TASKS}/task-1"},
    "post-json-unicode": {
        "method": "POST",
        "resource_path": TASKS,
        "headers": {"Content-Type": "application/json;charset=UTF-8"},
        "body": json.dumps(
            {"name": "ключ", "note": "日本語 ☕", "ids": [1, 2]}, ensure_ascii=False
        ),
    },
    "put-json-ascii-escaped": {
        "method": "PUT",
        "resource_path": f"{TASKS}/task-1",
        "body": json.dumps({"name": "ключ"}),
    },
    "non-ascii-header": {
        "method": "GET",
        "resource_path": TASKS,
        "headers": {"X-Client-Note": "  café ☕  "},
    },
}


@pytest.mark.parametrize("case", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_sdk_signed_requests_verify(server, case):
    request, sdk_canonical = send(server, **case)
    signed, canonical = check(request)
    assert canonical == sdk_canonical
    assert signed.access_key == AK
    assert "host" in signed.signed_headers


def test_query_is_rebuilt_from_the_raw_query_string(server):
    request, sdk_canonical = send(server, "GET", TASKS, RICH_QUERY)
    query = sdk_canonical.split("\n")[2]
    # Keys sorted, everything but unreserved characters encoded, repeated keys
    # in the SDK's order (9 before 10: it sorts the original values).
    assert query.startswith(
        "flag=true&ids=9&ids=10&limit=10&marker=&name=a%20b%2Bc%2Fd%26e%3Df"
    )
    assert (
        "repeat=1&repeat=2&sort%20key=x%20y&tag=a&tag=b&tag=%C3%A9&tilde=~x~" in query
    )
    assert check(request)[1] == sdk_canonical


def test_path_segments_are_decoded_then_encoded_like_the_sdk(server):
    request, sdk_canonical = send(
        server, "GET", f"{TASKS}/{quote(ODD_SEGMENT, safe='')}/detail"
    )
    # Django hands over the decoded path; the SDK treated the encoded "/" as a separator.
    assert request.path == f"{TASKS}/a b+c/é~%41 ключ/detail"
    assert sdk_canonical.split("\n")[1] == (
        f"{TASKS}/a%20b%2Bc/%C3%A9~%2541%20%D0%BA%D0%BB%D1%8E%D1%87/detail/"
    )
    assert check(request)[1] == sdk_canonical


def test_trailing_slash_is_not_covered_by_the_signature(server):
    # The SDK always ends the canonical URI with "/", so "/x" and "/x/" sign the
    # same: the server must treat them as one resource.
    request, _ = send(server, "GET", TASKS)
    check(request, path=TASKS + "/")


def official_client(server, client_class):
    """A client of the official SDK, signing with the test key, sending to `server`."""
    return (
        client_class.new_builder()
        .with_credentials(server.sdk.BasicCredentials(AK, SK, PROJECT_ID))
        .with_endpoints([server.url])
        .build()
    )


def test_the_official_kps_client_is_accepted(server):
    from huaweicloudsdkkps.v3 import (
        CreateKeypairAction,
        CreateKeypairRequest,
        CreateKeypairRequestBody,
        DeleteAllFailedTaskRequest,
        DeleteFailedTaskRequest,
        KpsClient,
        ListFailedTaskRequest,
    )

    client = official_client(server, KpsClient)
    before = len(server.received)
    client.list_failed_task(ListFailedTaskRequest(limit=10, offset=20))
    client.delete_failed_task(DeleteFailedTaskRequest(task_id=ODD_SEGMENT))
    client.delete_all_failed_task(DeleteAllFailedTaskRequest())
    client.create_keypair(
        CreateKeypairRequest(
            body=CreateKeypairRequestBody(keypair=CreateKeypairAction(name="ключ-1"))
        )
    )
    received = server.received[before:]
    assert [r.method for r in received] == ["GET", "DELETE", "DELETE", "POST"]
    assert received[0].META["QUERY_STRING"] == "limit=10&offset=20"
    for request in received:
        signed, _ = check(request)
        assert signed.signed_headers == (
            "content-type",
            "host",
            "user-agent",
            "x-project-id",
            "x-sdk-date",
        )
        assert request.headers["X-Project-Id"] == PROJECT_ID
        assert request.headers["User-Agent"].startswith("huaweicloud-usdk-python/3.0")


def test_the_official_sdrs_client_is_accepted(server):
    from huaweicloudsdksdrs.v1 import (
        DeleteAllServerGroupFailureJobsRequest,
        DeleteFailureJobRequest,
        DeleteServerGroupFailureJobsRequest,
        ListFailureJobsRequest,
        SdrsClient,
    )

    client = official_client(server, SdrsClient)
    before = len(server.received)
    client.list_failure_jobs(
        ListFailureJobsRequest(resource_name="db 01+é/x", limit=5, offset=0)
    )
    client.delete_failure_job(DeleteFailureJobRequest(failure_job_id="job-1"))
    client.delete_all_server_group_failure_jobs(
        DeleteAllServerGroupFailureJobsRequest()
    )
    client.delete_server_group_failure_jobs(
        DeleteServerGroupFailureJobsRequest(server_group_id="group 1/é")
    )
    received = server.received[before:]
    assert len(received) == 4
    assert (
        received[3].path == f"/v1/{PROJECT_ID}/task-center/group 1/é/failure-jobs/batch"
    )
    assert (
        received[0].META["QUERY_STRING"]
        == "limit=5&offset=0&resource_name=db%2001%2B%C3%A9%2Fx"
    )
    for request in received:
        check(request)


# --- Alterations -----------------------------------------------------------


@pytest.fixture
def get_request(server):
    request, _ = send(server, "GET", TASKS, RICH_QUERY)
    return request


@pytest.fixture
def post_request(server):
    body = json.dumps({"name": "ключ"}, ensure_ascii=False)
    request, _ = send(server, "POST", TASKS, [("dry_run", "false")], body=body)
    return request


def rejected(request, **changes):
    with pytest.raises(SignatureError) as error:
        check(request, **changes)
    return str(error.value)


def replace_header(request, name, value=None):
    headers = {k: v for k, v in request.headers.items() if k.lower() != name.lower()}
    if value is not None:
        headers[name] = value
    return headers


def test_changed_method_is_rejected(get_request):
    assert rejected(get_request, method="DELETE") == "Signature does not match"


def test_changed_path_is_rejected(get_request):
    assert rejected(get_request, path=TASKS + "/other") == "Signature does not match"
    assert rejected(get_request, path=TASKS.upper()) == "Signature does not match"


def test_changed_query_value_is_rejected(get_request):
    query = get_request.META["QUERY_STRING"]
    assert "limit=10" in query
    changed = query.replace("limit=10", "limit=11")
    assert rejected(get_request, query_string=changed) == "Signature does not match"


def test_added_query_parameter_is_rejected(get_request):
    query = get_request.META["QUERY_STRING"] + "&extra=1"
    assert rejected(get_request, query_string=query) == "Signature does not match"


def test_reordered_repeated_values_are_rejected(get_request):
    query = get_request.META["QUERY_STRING"]
    swapped = query.replace("repeat=1&repeat=2", "repeat=2&repeat=1")
    assert swapped != query
    assert rejected(get_request, query_string=swapped) == "Signature does not match"


def test_an_encoded_plus_cannot_be_swapped_for_a_space(get_request):
    query = get_request.META["QUERY_STRING"]
    assert "a%20b%2Bc" in query
    changed = query.replace("a%20b%2Bc", "a%20b+c")
    assert rejected(get_request, query_string=changed) == "Signature does not match"


def test_equivalent_encodings_still_verify(get_request):
    # The canonical form is what the view reads, so spelling it differently is harmless.
    query = get_request.META["QUERY_STRING"]
    check(get_request, query_string=query.replace("tilde=~x~", "tilde=%7Ex%7E"))
    # "+" is a space, as request.GET reads it.
    check(get_request, query_string=query.replace("a%20b%2Bc", "a+b%2Bc"))
    # Order between different keys is not signed; request.GET does not depend on it.
    first, rest = query.split("&", 1)
    check(get_request, query_string=f"{rest}&{first}")


def test_changed_signed_header_is_rejected(get_request):
    headers = replace_header(get_request, "X-Project-Id", "f" * 32)
    assert rejected(get_request, headers=headers) == "Signature does not match"
    headers = replace_header(get_request, "Host", "evil.example:8000")
    assert rejected(get_request, headers=headers) == "Signature does not match"


def test_unsigned_header_may_change(get_request):
    check(get_request, headers=replace_header(get_request, "Accept", "text/html"))


def test_missing_signed_header_is_rejected(get_request):
    headers = replace_header(get_request, "X-Project-Id")
    assert rejected(get_request, headers=headers) == (
        "Signed header x-project-id is missing from the request"
    )


def test_changed_body_is_rejected(post_request):
    check(post_request)
    body = json.dumps({"name": "ключ2"}, ensure_ascii=False).encode()
    assert rejected(post_request, body=body) == "Signature does not match"
    assert rejected(post_request, body=b"") == "Signature does not match"


def test_wrong_secret_is_rejected(get_request):
    assert rejected(get_request, keys={AK: SK + "x"}) == "Signature does not match"


@pytest.mark.parametrize("minutes", [-15, 15])
def test_date_within_fifteen_minutes_is_accepted(get_request, minutes):
    sent = parse_authorization(
        get_request.headers["Authorization"], get_request.headers["X-Sdk-Date"]
    ).sdk_date
    check(get_request, now=sent + timedelta(minutes=minutes))


@pytest.mark.parametrize("seconds", [-(15 * 60 + 1), 15 * 60 + 1, -86400, 86400 * 365])
def test_date_outside_fifteen_minutes_is_rejected(get_request, seconds):
    sent = parse_authorization(
        get_request.headers["Authorization"], get_request.headers["X-Sdk-Date"]
    ).sdk_date
    message = rejected(get_request, now=sent + timedelta(seconds=seconds))
    assert message == "X-Sdk-Date is more than 15 minutes from the server time"


def test_changed_date_is_rejected(get_request):
    sent = parse_authorization(
        get_request.headers["Authorization"], get_request.headers["X-Sdk-Date"]
    ).sdk_date
    other = (sent + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    assert rejected(get_request, date=other, now=sent) == "Signature does not match"


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (None, "X-Sdk-Date is missing"),
        ("", "X-Sdk-Date is missing"),
        ("2025-01-02T03:04:05Z", "X-Sdk-Date is malformed"),
        ("20251302T030405Z", "X-Sdk-Date is malformed"),
        ("20250102T030405", "X-Sdk-Date is malformed"),
        ("２０２５０１０２T030405Z", "X-Sdk-Date is malformed"),
        ("20250102T030405Z" * 1000, "X-Sdk-Date is malformed"),
    ],
)
def test_bad_dates_are_rejected(get_request, date, message):
    with pytest.raises(SignatureError) as error:
        parse_authorization(get_request.headers["Authorization"], date)
    assert str(error.value) == message


def test_injected_header_cannot_unsign_the_body(post_request):
    # Adding X-Sdk-Content-Sha256 after signing would otherwise let the body change.
    original = hashlib.sha256(post_request.body).hexdigest()
    headers = replace_header(post_request, "X-Sdk-Content-Sha256", original)
    message = rejected(post_request, headers=headers, body=b'{"name": "other"}')
    assert message == "X-Sdk-Content-Sha256 must be a signed header"


def test_unsigned_payloads_are_refused_unless_allowed(server):
    # The SDK sends UNSIGNED-PAYLOAD for content types other than JSON and BSON.
    request, sdk_canonical = send(
        server,
        "POST",
        TASKS,
        headers={"Content-Type": "text/plain"},
        body="hello",
        status=401,
    )
    assert request.headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert server.errors[-1] == "Unsigned payloads are not accepted"
    signed = parse_authorization(
        request.headers["Authorization"], request.headers["X-Sdk-Date"]
    )
    args = (request.method, request.path, "", request.headers, signed.signed_headers)
    with pytest.raises(SignatureError, match="Unsigned payloads are not accepted"):
        canonical_request(*args, request.body)
    canonical = canonical_request(*args, request.body, allow_unsigned_payload=True)
    assert canonical == sdk_canonical
    verify(SK, signed, canonical)


# --- Malformed Authorization headers ----------------------------------------

SIGNATURE = "0" * 64
VALID_SHAPE = (
    f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={SIGNATURE}"
)


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Authorization header is missing"),
        ("", "Authorization header is missing"),
        ("   ", "Authorization header is missing"),
        ("SDK-HMAC-SHA256", "Malformed Authorization header"),
        ("Bearer abc", "Malformed Authorization header"),
        (
            "sdk-hmac-sha256 " + VALID_SHAPE.split(" ", 1)[1],
            "Malformed Authorization header",
        ),
        (
            VALID_SHAPE.replace(f"Access={AK}", "Access="),
            "Malformed Authorization header",
        ),
        (VALID_SHAPE.replace(f"Access={AK}, ", ""), "Malformed Authorization header"),
        (VALID_SHAPE + f", Access={AK}", "Malformed Authorization header"),
        (VALID_SHAPE + ", Extra=1", "Malformed Authorization header"),
        (
            VALID_SHAPE.replace("host;x-sdk-date", "Host;X-Sdk-Date"),
            "Malformed Authorization header",
        ),
        (
            VALID_SHAPE.replace("host;x-sdk-date", "host,x-sdk-date"),
            "Malformed Authorization header",
        ),
        (
            VALID_SHAPE.replace("host;x-sdk-date", "host;;x-sdk-date"),
            "Malformed Authorization header",
        ),
        (
            VALID_SHAPE.replace("host;x-sdk-date", "host;host"),
            "Malformed Authorization header",
        ),
        (
            VALID_SHAPE.replace("host;x-sdk-date", "x-sdk-date"),
            "Host must be a signed header",
        ),
        (
            VALID_SHAPE.replace(SIGNATURE, SIGNATURE[:-1]),
            "Malformed Authorization header",
        ),
        (
            VALID_SHAPE.replace(SIGNATURE, SIGNATURE + "0"),
            "Malformed Authorization header",
        ),
        (VALID_SHAPE.replace(SIGNATURE, "g" * 64), "Malformed Authorization header"),
        (VALID_SHAPE.replace(AK, "ключ"), "Malformed Authorization header"),
        (VALID_SHAPE.replace(AK, "A" * 10_000), "Malformed Authorization header"),
        (
            VALID_SHAPE.replace("SDK-HMAC-SHA256", "V11-HMAC-SHA256"),
            "Unsupported signing algorithm",
        ),
        (
            VALID_SHAPE.replace("SDK-HMAC-SHA256", "SDK-HMAC-SM3"),
            "Unsupported signing algorithm",
        ),
    ],
)
def test_malformed_authorization_is_rejected(authorization, message):
    with pytest.raises(SignatureError) as error:
        parse_authorization(authorization, "20250102T030405Z")
    assert str(error.value) == message


def garbage(rng, valid):
    """A random header value: noise, or the valid one damaged."""
    kind = rng.randrange(6)
    if kind == 0:
        return "".join(
            chr(rng.randrange(32, 127)) for _ in range(rng.randrange(0, 300))
        )
    if kind == 1:
        return "".join(
            chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 300))
        )
    if kind == 2:
        return "SDK-HMAC-SHA256 " + "".join(
            rng.choice("=,; Aa0\t\x00é") for _ in range(200)
        )
    if kind == 3:
        return valid + rng.choice(
            ["x", ", Access=A", ",", " ", "\x00"]
        ) * rng.randrange(1, 5000)
    chars = list(valid)
    for _ in range(rng.randrange(1, 4)):
        position = rng.randrange(len(chars))
        if kind == 4:
            del chars[position]
        else:
            chars[position] = chr(
                rng.randrange(0, 0x110000)
                if rng.random() < 0.3
                else rng.randrange(32, 127)
            )
    return "".join(chars)


def test_fuzzed_authorization_headers_raise_only_signature_error(get_request):
    rng = random.Random(20240521)
    valid = get_request.headers["Authorization"]
    for _ in range(80):
        value = garbage(rng, valid)
        if value == valid:
            continue
        with pytest.raises(SignatureError):
            check(get_request, authorization=value)


def test_fuzzed_headers_and_query_raise_only_signature_error(get_request):
    rng = random.Random(7)
    for _ in range(40):
        noise = "".join(
            chr(rng.randrange(0, 0x800)) for _ in range(rng.randrange(1, 50))
        )
        headers = replace_header(get_request, "X-Project-Id", noise)
        query = get_request.META["QUERY_STRING"] + "&" + noise
        with pytest.raises(SignatureError):
            check(get_request, headers=headers)
        with pytest.raises(SignatureError):
            check(get_request, query_string=query)
        with pytest.raises(SignatureError):
            check(get_request, path="/" + noise)


def test_invalid_utf8_in_the_query_is_rejected(get_request):
    message = rejected(get_request, query_string="name=%FF")
    assert message == "Query string is not valid UTF-8"


def test_expected_signature_matches_the_sdk(get_request):
    signed, canonical = check(get_request)
    assert expected_signature(SK, signed, canonical) == signed.signature
