"""Where webhooks may go: http(s) only, public addresses only unless listed, checked at
delivery after resolving, and connected to the address that was checked."""

import ipaddress

import pytest

from failedtasks.alerts import targets, webhook
from failedtasks.alerts.models import DeliveryAttempt, FailureReason
from failedtasks.alerts.targets import TargetRefused, check_url, is_public, parse_target
from failedtasks.alerts.worker import deliver_due
from tests.conftest import record
from tests.failedtasks.alerts.conftest import make_rule

PUBLIC = "93.184.215.14"


def resolver(*addresses):
    return lambda target, timeout: list(addresses)


@pytest.mark.parametrize("url,reason", [
    ("ftp://example.com/", "url"), ("file:///etc/passwd", "url"), ("gopher://x/", "url"),
    ("http:///nohost", "url"), ("https://u:p@example.com/", "url"),
    ("http://example.com:0x50/", "url"), ("http://exa mple.com/", "url"),
    ("http://example.com/\r\nX-Injected: 1", "url"), ("https://" + "a" * 2000 + ".com/", "url"),
])
def test_only_plain_http_urls_parse(url, reason):
    with pytest.raises(TargetRefused) as refused:
        parse_target(url)
    assert refused.value.reason == reason


def test_a_url_keeps_its_path_query_and_port():
    target = parse_target("HTTPS://Hooks.Example.COM:8443/a/b?x=1&y=2")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https", "hooks.example.com", 8443, "/a/b?x=1&y=2")
    assert parse_target("http://[2001:db8::1]/").host == "2001:db8::1"
    assert parse_target("http://bücher.example/").host == "xn--bcher-kva.example"
    assert parse_target("http://example.com").path == "/"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.251", "224.0.1.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "2002:a00:1::",
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
])
def test_non_public_addresses(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert is_public(ipaddress.ip_address(address))


def test_one_private_address_among_public_ones_refuses_the_name(settings):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(TargetRefused) as refused:
        check_url("https://hooks.example.com/", resolver=resolver(PUBLIC, "10.0.0.5"))
    assert refused.value.reason == FailureReason.ADDRESS
    assert "10.0.0.5" in str(refused.value.message)
    assert check_url("https://hooks.example.com/", resolver=resolver(PUBLIC)).host == (
        "hooks.example.com")


@pytest.mark.parametrize("listed,url,addresses", [
    (["127.0.0.1"], "http://127.0.0.1:8000/", ["127.0.0.1"]),
    (["localhost"], "http://localhost/", ["127.0.0.1", "::1"]),
    (["10.0.0.0/8"], "http://receiver.internal/", ["10.4.5.6"]),
    (["10.4.5.6"], "http://receiver.internal/", ["10.4.5.6"]),
    (["fd00::/8"], "http://[fd00::7]/", ["fd00::7"]),
    (["receiver.internal"], "http://RECEIVER.internal/", ["192.168.9.9"]),
])
def test_listed_hosts_addresses_and_networks_are_allowed(settings, listed, url, addresses):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = listed
    check_url(url, resolver=resolver(*addresses))


@pytest.mark.parametrize("listed,url,addresses", [
    (["127.0.0.1"], "http://localhost/", ["127.0.0.1", "::1"]),  # ::1 is not listed
    (["10.0.0.0/16"], "http://receiver.internal/", ["10.1.0.1"]),
    (["other.internal"], "http://receiver.internal/", ["192.168.9.9"]),
])
def test_a_listing_covers_only_what_it_names(settings, listed, url, addresses):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = listed
    with pytest.raises(TargetRefused):
        check_url(url, resolver=resolver(*addresses))


def test_a_name_that_does_not_resolve_is_refused(settings):
    def failing(target, timeout):
        raise TargetRefused(FailureReason.DNS, "no", "nxdomain")

    with pytest.raises(TargetRefused) as refused:
        check_url("https://nowhere.invalid/", resolver=failing)
    assert refused.value.reason == FailureReason.DNS
    with pytest.raises(TargetRefused):
        check_url("https://nowhere.invalid/", resolver=resolver())


def test_the_real_resolver_answers_for_literals_and_localhost():
    assert targets.resolve(parse_target("http://127.0.0.1/"), 5) == ["127.0.0.1"]
    assert "127.0.0.1" in targets.resolve(parse_target("http://localhost/"), 5)
    with pytest.raises(TargetRefused):
        targets.resolve(parse_target("http://name.invalid/"), 5)


@pytest.mark.django_db
def test_delivery_checks_again_and_refuses_a_name_now_pointing_inside(
        project_a, receiver, clock, monkeypatch, settings):
    """DNS rebinding: public when the rule was made, loopback when it is delivered."""
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = []
    port = receiver.url.split(":")[2].split("/")[0]
    rule = make_rule(project_a, "http://127.0.0.1:9/")
    rule.target_url = f"http://hooks.example.com:{port}/hook"
    rule.save()
    monkeypatch.setattr(targets, "resolve", resolver("127.0.0.1"))
    record(project_a, "ecs")

    deliver_due(clock)

    attempt = DeliveryAttempt.objects.get()
    assert (attempt.outcome, attempt.reason) == ("refused", FailureReason.ADDRESS)
    assert attempt.detail == "hooks.example.com resolves to 127.0.0.1"
    assert attempt.next_attempt_at is not None  # a rebinding may be brief: it retries
    assert receiver.requests == []


@pytest.mark.django_db
def test_delivery_connects_to_the_checked_address_and_names_the_host(
        project_a, receiver, clock, monkeypatch, settings):
    """The name is resolved once, checked, and that address is dialled; Host stays the name."""
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]
    port = receiver.url.split(":")[2].split("/")[0]
    make_rule(project_a, f"http://hooks.example.com:{port}/hook")
    answers = []

    def resolve_once(target, timeout):
        answers.append(target.host)
        return ["127.0.0.1"]

    monkeypatch.setattr(targets, "resolve", resolve_once)
    record(project_a, "ecs")
    deliver_due(clock)
    assert answers == ["hooks.example.com"]
    assert receiver.requests[0].headers["Host"] == f"hooks.example.com:{port}"
    assert DeliveryAttempt.objects.get().outcome == "delivered"


def test_a_target_that_never_answers_times_out(allow_loopback):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        result = webhook.post(url, b"{}", {}, timeout=1)
    finally:
        listener.close()
    assert (result.outcome, result.reason) == ("failed", FailureReason.TIMEOUT)


def test_a_closed_port_is_a_connection_failure(allow_loopback):
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    result = webhook.post(f"http://127.0.0.1:{port}/", b"{}", {}, timeout=2)
    assert (result.outcome, result.reason) == ("failed", FailureReason.CONNECTION)
    assert result.response_code is None


def self_signed_certificate(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that no trusted authority signed."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_refuses_a_certificate_nobody_vouches_for(allow_loopback, tmp_path):
    import http.server
    import ssl
    import threading

    served = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            served.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed_certificate(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = webhook.post(f"https://127.0.0.1:{server.server_address[1]}/", b"{}", {},
                              timeout=3)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.outcome, result.reason) == ("failed", FailureReason.TLS)
    assert "certificate verify failed" in result.detail
    assert served == []
