"""Static files storage: WhiteNoise's compressed manifest storage, with URLs remembered."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

# More distinct names than the templates use ({% static %} takes literals only); a bound so that
# nothing could grow the memo without limit.
URLS_REMEMBERED = 512


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # untyped
    """The manifest is read when the process starts and does not change while it runs, so the
    URL of a name is fixed: it is worked out once (URL parsing, the manifest lookup, joining
    with STATIC_URL: about 0.1 ms, and every page asks for six) and then looked up.

    A name missing from the manifest still raises every time, as the parent class does: only
    URLs that were found are remembered.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        key = (name or "", force)
        found = self._urls.get(key)
        if found is None:
            found = super().url(name, force)
            if len(self._urls) < URLS_REMEMBERED:
                self._urls[key] = found
        return found
