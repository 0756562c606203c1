"""The static files storage remembers each URL it has worked out, and nothing it could not."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
import pytest_django
from whitenoise.storage import CompressedManifestStaticFilesStorage

from clinic.storage import URLS_REMEMBERED, StaticFilesStorage


@pytest.fixture
def storage(tmp_path: Path, settings: pytest_django.Settings) -> StaticFilesStorage:
    settings.DEBUG = False
    manifest = {"version": "1.1", "hash": "x", "paths": {"css/site.css": "css/site.0123abcd.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_url_is_the_hashed_name_from_the_manifest_worked_out_once(
    storage: StaticFilesStorage,
) -> None:
    parent = CompressedManifestStaticFilesStorage.url
    with mock.patch.object(
        CompressedManifestStaticFilesStorage, "url", autospec=True, side_effect=parent
    ) as worked_out:
        assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
        assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
        assert worked_out.call_count == 1
        # `force` is part of what is remembered (the parent hashes forced names in DEBUG too).
        assert storage.url("css/site.css", force=True) == "/static/css/site.0123abcd.css"
        assert worked_out.call_count == 2


def test_a_name_missing_from_the_manifest_raises_every_time(storage: StaticFilesStorage) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
    assert storage._urls == {}


def test_the_memo_is_bounded(storage: StaticFilesStorage) -> None:
    storage.hashed_files.update({f"f{n}.css": f"f{n}.abc.css" for n in range(URLS_REMEMBERED + 5)})
    for n in range(URLS_REMEMBERED + 5):
        assert storage.url(f"f{n}.css") == f"/static/f{n}.abc.css"
    assert len(storage._urls) == URLS_REMEMBERED
