"""Reading generated PDFs back: text, bookmarks, metadata and the fonts they embed."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import DictionaryObject


@dataclass
class ReadPdf:
    reader: PdfReader

    @property
    def pages(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def squeezed(self) -> str:
        """The text without any whitespace: text extraction guesses spaces from glyph
        positions, so a mark placed under a letter (ị) can come out as "Th ị"."""
        return squeeze(self.text)

    def bookmarks(self) -> list[tuple[int, str]]:
        """(depth, title) of every outline entry, in order."""
        found: list[tuple[int, str]] = []

        def walk(items, depth: int) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item, depth + 1)
                else:
                    found.append((depth, item.title))

        walk(self.reader.outline, 0)
        return found

    @property
    def language(self) -> str | None:
        return self.reader.trailer["/Root"].get("/Lang")

    def fonts(self) -> dict[str, DictionaryObject]:
        """Every font used on any page, by its PostScript name."""
        found: dict[str, DictionaryObject] = {}

        def visit(resources) -> None:
            if resources is None:
                return
            resources = resources.get_object()
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                found[str(font["/BaseFont"])] = font
            for xobject in (resources.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                visit(xobject.get("/Resources"))

        for page in self.reader.pages:
            visit(page.get("/Resources"))
        return found


def read(data: bytes) -> ReadPdf:
    assert data.startswith(b"%PDF-"), data[:20]
    return ReadPdf(PdfReader(io.BytesIO(data)))


def squeeze(text: str) -> str:
    return "".join(text.split())


def embedded_file(font: DictionaryObject):
    """The font program a (Type0 or simple) font embeds, or None."""
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return None
    descriptor = descriptor.get_object()
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            return descriptor[key].get_object()
    return None
