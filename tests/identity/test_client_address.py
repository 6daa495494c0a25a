import pytest
from django.test import RequestFactory

from console.identity.client_address import client_address


@pytest.mark.parametrize("proxies,forwarded,remote,expected", [
    (0, "203.0.113.5", "10.0.0.2", "10.0.0.2"),        # no proxy: the header is the client's word
    (1, "203.0.113.5", "10.0.0.2", "203.0.113.5"),     # one proxy appended the client
    (1, "6.6.6.6, 203.0.113.5", "10.0.0.2", "203.0.113.5"),  # a forged entry on the left is ignored
    (2, "203.0.113.5, 10.0.0.9", "10.0.0.2", "203.0.113.5"),
    (2, "10.0.0.9", "10.0.0.2", "10.0.0.2"),           # fewer entries than proxies: the peer
    (1, "not-an-ip", "10.0.0.2", None),
    (0, "", "2001:db8::1", "2001:db8::1"),
])
def test_client_address(settings, proxies, forwarded, remote, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_address(request) == expected


@pytest.mark.django_db
def test_the_audit_records_the_client_behind_the_proxy(settings, login, operator, project_a):
    from django.urls import reverse

    from failedtasks.models import Deletion
    from tests.conftest import confirmed, record

    settings.TRUSTED_PROXY_COUNT = 1
    task = record(project_a, "css")
    client = login(operator)
    delete_url = reverse("failed-task-delete", args=[project_a.pk, "css", task.pk])
    client.post(delete_url, confirmed(client, delete_url),
                HTTP_X_FORWARDED_FOR="198.51.100.23", REMOTE_ADDR="10.0.0.2")
    assert Deletion.objects.get().remote_addr == "198.51.100.23"
