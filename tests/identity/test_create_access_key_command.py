"""`manage.py create_access_key USERNAME`: one line of JSON with a working pair."""

import io
import json

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from console.identity.credentials import MAX_ACCESS_KEYS, create_access_key, secret_for
from console.identity.models import AccessKey
from console.tenancy.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("create_access_key", *args, stdout=out)
    return out.getvalue()


def test_it_prints_one_line_of_json_with_both_keys(operator):
    output = run("olivia")
    assert output.endswith("\n")
    assert output.count("\n") == 1
    printed = json.loads(output)
    assert set(printed) == {"access_key", "secret_key"}
    assert printed["access_key"] and printed["secret_key"]


def test_the_printed_secret_verifies(operator):
    printed = json.loads(run("olivia"))
    key = AccessKey.objects.get(access_key=printed["access_key"])
    assert key.user == operator
    assert secret_for(key) == printed["secret_key"]


def test_the_secret_is_not_stored(operator):
    printed = json.loads(run("olivia"))
    key = AccessKey.objects.get()
    stored = [str(getattr(key, field.attname)) for field in AccessKey._meta.concrete_fields]
    assert printed["secret_key"] not in stored


def test_it_takes_a_description(operator):
    printed = json.loads(run("olivia", "--description", "  nightly backup job  "))
    assert AccessKey.objects.get(access_key=printed["access_key"]).description == "nightly backup job"


def test_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match='There is no user named "nobody"'):
        run("nobody")
    assert not AccessKey.objects.exists()


def test_an_unknown_user_exits_non_zero_with_the_message_on_stderr(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "create_access_key", "nobody"])
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert 'There is no user named "nobody"' in captured.err


def test_an_inactive_user_fails(project_a):
    make_user("former", project_a, Role.OPERATOR, is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        run("former")
    assert not AccessKey.objects.exists()


def test_a_description_over_255_characters_fails(operator):
    with pytest.raises(CommandError, match="at most 255"):
        run("olivia", "--description", "x" * 256)
    assert not AccessKey.objects.exists()


def test_it_refuses_beyond_the_limit(operator):
    for _ in range(MAX_ACCESS_KEYS):
        create_access_key(operator)
    with pytest.raises(CommandError, match=f"already has {MAX_ACCESS_KEYS} access keys"):
        run("olivia")
    assert AccessKey.objects.count() == MAX_ACCESS_KEYS
