"""An install without `make` (`pip install .`) ships only the .po files: the app compiles them
when it starts, so Japanese pages are Japanese."""
from __future__ import annotations

import shutil
from pathlib import Path

from babel.support import Translations

from portal.i18n import compile_catalogues

SOURCE = Path(__file__).resolve().parents[2] / "portal" / "translations"


def test_missing_catalogues_are_compiled_and_then_left_alone(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    assert not list(copy.glob("*/LC_MESSAGES/*.mo"))

    assert compile_catalogues(copy, copy) == 2
    japanese = Translations.load(str(copy), ["ja"], "messages")
    assert japanese.gettext("Your data") != "Your data"
    assert compile_catalogues(copy, copy) == 0  # current: nothing to do at the next start


def test_a_read_only_package_folder_compiles_into_another_folder(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    target = tmp_path / "instance" / "translations"
    assert compile_catalogues(copy, target) == 2
    assert (target / "ja" / "LC_MESSAGES" / "messages.mo").exists()
    assert not list(copy.glob("*/LC_MESSAGES/*.mo"))


def test_the_app_serves_japanese_from_the_catalogues_it_compiled(client):
    page = client.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="ja">' in page and "個人情報" in page
