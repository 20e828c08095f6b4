"""WeChat's XML, parsed safely and written with CDATA as WeChat expects.

Parsing goes through defusedxml with DTDs forbidden outright: no entity
expansion ("billion laughs"), no external entities; the size is bounded before
any parsing starts. Only flat ``<xml><Key>value</Key>…</xml>`` documents are
accepted, which is all WeChat and WeCom ever send.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_XML_BYTES = 64 * 1024


class XmlError(ValueError):
    """The body is not a WeChat XML document we accept."""


def parse(data: bytes, *, limit: int = MAX_XML_BYTES) -> dict[str, str]:
    """The ``<xml>`` document's fields (first level; nested ones flattened by tag)."""
    if len(data) > limit:
        raise XmlError(f"body larger than {limit} bytes")
    if not data.strip():
        raise XmlError("empty body")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise XmlError(f"malformed XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise XmlError("root element must be <xml>")
    fields: dict[str, str] = {}
    for child in root.iter():
        if child is root:
            continue
        if len(child) == 0:
            fields.setdefault(child.tag, (child.text or "").strip())
    return fields


def cdata(value: str) -> str:
    """A CDATA section; ``]]>`` inside the value is split so it cannot end the section."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build(fields: dict[str, str | int]) -> str:
    """``<xml>`` with string fields as CDATA and integers bare (as WeChat writes them)."""
    parts = ["<xml>"]
    for key, value in fields.items():
        text = str(value) if isinstance(value, int) else cdata(value)
        parts.append(f"<{key}>{text}</{key}>")
    parts.append("</xml>")
    return "".join(parts)
