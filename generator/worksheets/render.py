"""Rendering one DOCX template with docxtpl, turning every failure into a TemplateError.

A template is Word XML with Jinja tags typed into it; a facilitator may have edited it. Whatever
goes wrong (a mistyped tag, an unknown field, a file that is not a DOCX) is reported with the
file and the tag, and nothing half-rendered is ever returned.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from generator.errors import TemplateError

TICKED = "☒"
UNTICKED = "☐"

_FIX_HINT = "correct it in Word, or delete the file from your templates folder to use the default"
# A fixed timestamp for every member of the DOCX zip: same input, same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# The parts docxtpl renders; the others are copied from the template unchanged.
_RENDERED_PART = re.compile(
    r"word/(document|header\d*|footer\d*|footnotes)\.xml|docProps/core\.xml"
)
_TAG = re.compile(r"\{[{%].*?[}%]\}", re.DOTALL)
_BLOCK_OPEN = re.compile(r"\{%-?\s*(?:[ptrc]{1,2}\s+)?(for|if)\b")
_BLOCK_CLOSE = re.compile(r"\{%-?\s*(?:[ptrc]{1,2}\s+)?end(for|if)\b")


def box(value: object) -> str:
    """The tick box of a yes/no value: ☒ for yes, ☐ for no or not yet decided."""
    return TICKED if value else UNTICKED


def environment() -> jinja2.Environment:
    """Sandboxed (templates come from a facilitator's folder), strict and escaping for XML."""
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)
    env.filters["box"] = box
    return env


def open_template(path: Path) -> DocxTemplate:
    try:
        template = DocxTemplate(path)
        template.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, SyntaxError) as exc:  # lxml's too
        raise TemplateError(
            f"{path}: is not a Word document (.docx) that can be opened ({exc}); save it again "
            "from Word as .docx, or delete it from your templates folder to use the default"
        ) from exc
    return template


@dataclass(frozen=True)
class Rendered:
    """A filled-in template: its DOCX bytes, and the document for composing the combined file
    without reading those bytes back in."""

    data: bytes
    document: Any


def render(path: Path, context: Mapping[str, Any]) -> Rendered:
    """The rendered document, or a TemplateError naming the file and the tag."""
    template = open_template(path)
    try:
        template.render(dict(context), jinja_env=environment(), autoescape=True)
        buffer = BytesIO()
        template.save(buffer)
    except jinja2.TemplateError as exc:
        raise TemplateError(explain(path, exc)) from exc
    except SyntaxError as exc:  # lxml's XMLSyntaxError, from docxtpl re-reading its output
        raise TemplateError(
            f"{path}: the tags produce broken Word XML ({exc}); a tag that spans paragraphs, "
            "rows or cells needs the {%p %}, {%tr %} or {%tc %} form; " + _FIX_HINT
        ) from exc
    return Rendered(sealed(buffer.getvalue(), path), template.docx)


def render_docx(path: Path, context: Mapping[str, Any]) -> bytes:
    """The rendered document as DOCX bytes, or a TemplateError naming the file and the tag."""
    return render(path, context).data


def explain(path: Path, exc: jinja2.TemplateError) -> str:
    """A message naming the file, what is wrong and the tag it is in."""
    text = template_text(path)
    message = (exc.message or type(exc).__name__).rstrip(".")
    if isinstance(exc, jinja2.UndefinedError):
        name = _undefined_name(message)
        tag = find_tag(text, name) if name else None
        what = f"unknown field '{name}'" if name else message
        return f"{path}: {what} in the tag {tag or '(not found)'}; {_FIX_HINT}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        tag = _syntax_error_tag(text, exc)
        where = f" in the tag {tag}" if tag else ""
        return f"{path}: {message}{where}; {_FIX_HINT}"
    return f"{path}: {message}; {_FIX_HINT}"


def template_text(path: Path) -> str:
    """The document's text with Word's markup removed, so tags split across runs read whole."""
    parts: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if _RENDERED_PART.fullmatch(name):
                xml = archive.read(name).decode("utf-8", errors="replace")
                parts.append(re.sub(r"<[^>]+>", "", xml))
    return "\n".join(parts)


def find_tag(text: str, name: str) -> str | None:
    word = re.compile(rf"(?<![\w.]){re.escape(name)}\b|\.{re.escape(name)}\b")
    return next((tag.group(0) for tag in _TAG.finditer(text) if word.search(tag.group(0))), None)


def _undefined_name(message: str) -> str | None:
    found = re.search(r"'([^']+)' is undefined|has no attribute '([^']+)'", message)
    if found is None:
        return None
    return found.group(1) or found.group(2)


def _syntax_error_tag(text: str, exc: jinja2.TemplateSyntaxError) -> str | None:
    message = exc.message or ""
    if "needs to be closed" in message:
        return unclosed_block(text)
    named = re.search(r"'(\w+)'", message)
    if named and (tag := find_tag(text, named.group(1))):
        return tag
    # docxtpl puts each Word paragraph on its own line: the error's line is its paragraph
    lines = list(getattr(exc, "docx_context", None) or [])
    near = lines[3].strip() if len(lines) > 3 else ""
    tags = _TAG.findall(near)
    if tags:
        return " ".join(tags)
    unterminated = re.search(r"\{[{%][^}]*$", near)
    return unterminated.group(0).strip() if unterminated else None


def unclosed_block(text: str) -> str | None:
    """The innermost {% for %} or {% if %} left open when another end tag or the text ends."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(text):
        tag = match.group(0)
        opened = _BLOCK_OPEN.match(tag)
        closed = _BLOCK_CLOSE.match(tag)
        if opened:
            stack.append((opened.group(1), tag))
        elif closed and stack:
            if stack[-1][0] != closed.group(1):
                return stack[-1][1]
            stack.pop()
    return stack[-1][1] if stack else None


def sealed(data: bytes, path: Path) -> bytes:
    """Check every rendered part parses, and give the zip members fixed timestamps."""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if _RENDERED_PART.fullmatch(name):
                _check_xml(content, name, path)
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def _check_xml(content: bytes, name: str, path: Path) -> None:
    try:
        fromstring(content)
    except (ParseError, DefusedXmlException) as exc:
        raise TemplateError(
            f"{path}: rendering gave broken Word XML in {name} ({exc}); " + _FIX_HINT
        ) from exc
