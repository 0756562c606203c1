"""Reading the PDFs the app draws: their pages and their text (pypdf)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def text(pdf: bytes) -> str:
    """All the text, with every run of white space (line breaks too) made one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def flat(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def squeezed(value: str) -> str:
    """Without any white space: a line may break inside a long word ("#64/#114/ #199")."""
    return re.sub(r"\s+", "", value)
