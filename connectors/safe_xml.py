"""Streaming parser for untrusted XML: no DTD, no entities, no network, flat memory.

Documents that declare a DOCTYPE (the carrier of billion-laughs and external-entity attacks)
are refused before the parser sees them; nothing an entity points at is ever opened.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from core.errors import InputRejected

# The prolog (declaration, comments, processing instructions) must end within this window.
_PROLOG_WINDOW = 1 << 16
_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class UnsafeXml(InputRejected):
    """An XML document that declares a DTD or entities; it is never parsed."""


def local_name(tag: object) -> str:
    """`{namespace}name` → `name`; comments and processing instructions → ''."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def refuse_doctype(path: Path, *, name: str | None = None) -> None:
    """Raise UnsafeXml when the document's prolog declares a DOCTYPE or an ENTITY."""
    shown = name or Path(path).name
    with open(path, "rb") as fh:
        head = fh.read(_PROLOG_WINDOW)
    text = _decode_prolog(head)
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n\ufeff":
            position += 1
        if text.startswith("<?", position):
            terminator = "?>"
        elif text.startswith("<!--", position):
            terminator = "-->"
        elif text.startswith("<!", position):
            raise UnsafeXml(
                "declares a DOCTYPE or ENTITY (DTD); such XML is refused because its entities "
                "could read local files or expand without limit — ask the sender for the file "
                "without a DOCTYPE",
                file=shown,
            )
        else:
            # First element (or not XML at all, which the parser will report with its line).
            return
        end = text.find(terminator, position + 2)
        if end < 0:
            if len(head) < _PROLOG_WINDOW:
                return  # truncated prolog: the parser names the syntax error
            raise UnsafeXml(
                f"the prolog before the first element is longer than {_PROLOG_WINDOW} bytes; "
                "refused as it cannot be checked for a DOCTYPE",
                file=shown,
            )
        position = end + len(terminator)


def iter_elements(path: Path, tag: str, *, name: str | None = None) -> Iterator[etree._Element]:
    """Yield each complete element whose local name is `tag`, then free it.

    The yielded element is only valid until the next one is asked for: copy out what you need.
    Raises UnsafeXml for a DTD and InputRejected (naming the file and line) for broken XML.
    """
    shown = name or Path(path).name
    refuse_doctype(path, name=shown)
    context = etree.iterparse(
        str(path),
        events=("end",),
        # Filtering in libxml2 rather than in Python: most elements never reach this loop.
        tag=f"{{*}}{tag}",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for _, element in context:
            if not checked:
                # Second line of defence, for encodings the prolog scan could not decode.
                # Nothing was fetched meanwhile: entities are neither loaded nor resolved.
                docinfo = element.getroottree().docinfo
                if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
                    raise UnsafeXml("declares a DOCTYPE (DTD); such XML is refused", file=shown)
                checked = True
            yield element
            # Free what has been consumed so memory stays flat on files of tens of MB.
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise InputRejected(f"is not well-formed XML: {exc.msg}", file=shown, row=line) from exc
    finally:
        del context


def _decode_prolog(head: bytes) -> str:
    encoding = "utf-8"
    for bom, bom_encoding in _BOMS:
        if head.startswith(bom):
            encoding, head = bom_encoding, head[len(bom) :]
            break
    else:
        if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
            encoding = "utf-16-le" if head[0] == 0x3C else "utf-16-be"
        else:
            declared = _XML_DECL_ENCODING.match(head)
            if declared:
                encoding = declared.group(1).decode("ascii")
    try:
        return head.decode(encoding, errors="replace")
    except LookupError:
        # An encoding Python does not know: the ASCII-compatible reading still shows `<!`.
        return head.decode("latin-1")
