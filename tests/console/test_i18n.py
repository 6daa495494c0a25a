"""Every string has its Simplified Chinese translation, and pages switch language."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse

PO = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_message_is_translated():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue if not e.translated()]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO)) if e.translated()}
    assert compiled == source


@pytest.mark.django_db
def test_switching_language_translates_the_page(login, operator, project_a):
    client = login(operator)
    page = reverse("service", args=[project_a.pk, "sdrs"])
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": page})
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert '<html lang="zh-hans"' in html
    assert "<h1>存储容灾服务</h1>" in html
    assert "服务列表" in html
