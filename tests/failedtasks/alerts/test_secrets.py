"""Webhook secrets: encrypted at rest under a key derived from SECRET_KEY, readable to sign."""

import pytest

from failedtasks.alerts.models import AlertRule
from failedtasks.alerts.secrets import UnreadableSecret, seal, unseal
from tests.failedtasks.alerts.conftest import SECRET, make_rule


def test_a_sealed_secret_reads_back_and_hides_itself():
    sealed = seal(SECRET)
    assert SECRET not in sealed and unseal(sealed) == SECRET
    assert seal(SECRET) != sealed  # a fresh nonce each time: equal secrets look different


def test_another_secret_key_cannot_read_it(settings):
    sealed = seal(SECRET)
    settings.SECRET_KEY = "another-installation-" + "k" * 40
    with pytest.raises(UnreadableSecret):
        unseal(sealed)


def test_a_rotated_secret_key_still_reads_it_from_the_fallbacks(settings):
    old = settings.SECRET_KEY
    sealed = seal(SECRET)
    settings.SECRET_KEY = "the-new-secret-key-" + "n" * 40
    settings.SECRET_KEY_FALLBACKS = [old]
    assert unseal(sealed) == SECRET


@pytest.mark.parametrize("garbage", ["", "not-a-token", "gAAAAA" + "x" * 80])
def test_garbage_is_unreadable_not_an_error(garbage):
    with pytest.raises(UnreadableSecret):
        unseal(garbage)


@pytest.mark.django_db
def test_the_database_holds_only_the_sealed_form(project_a, allow_loopback):
    from django.db import connection

    make_rule(project_a, secret="s3cret-value-for-the-webhook")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AlertRule._meta.db_table}")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "s3cret-value-for-the-webhook" not in row
