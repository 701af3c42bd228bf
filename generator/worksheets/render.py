"""Rendering one DOCX template with docxtpl, turning every failure into a TemplateError.

A template is Word XML with Jinja tags typed into it; a facilitator may have edited it. Whatever
goes wrong (a mistyped tag, an unknown field, a file that is not a DOCX) is reported with the
file and the tag, and nothing half-rendered is ever returned.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Iterable, Mapping
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
from generator.i18n import N_, _

TICKED = "☒"
UNTICKED = "☐"

_FIX_HINT = N_(
    "correct it in Word, or delete the file from your templates folder to use the default"
)
# A fixed timestamp for every member of the DOCX zip: same input, same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# The parts docxtpl renders; the others are copied from the template unchanged.
_RENDERED_PART = re.compile(
    r"word/(document|header\d*|footer\d*|footnotes)\.xml|docProps/core\.xml"
)
_TAG_START = re.compile(r"\{[{%#]")
_TAG = re.compile(r"\{[{%].*?[}%]\}", re.DOTALL)
_BLOCK_OPEN = re.compile(r"\{%-?\s*(?:[ptrc]{1,2}\s+)?(for|if)\b")
_BLOCK_CLOSE = re.compile(r"\{%-?\s*(?:[ptrc]{1,2}\s+)?end(for|if)\b")


def box(value: object) -> str:
    """The tick box of a yes/no value: ☒ for yes, ☐ for no or not yet decided."""
    return TICKED if value else UNTICKED


def plural(count: int, one: str, many: str) -> str:
    """A number with its noun agreeing: ``{{ n|plural("straat", "straten") }}`` gives 1 straat."""
    return f"{count} {one if count == 1 else many}"


def environment() -> jinja2.Environment:
    """Sandboxed (templates come from a facilitator's folder), strict and escaping for XML."""
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)
    env.filters["box"] = box
    env.filters["plural"] = plural
    return env


# One environment per process: its compiled templates are kept in ``_compiled``.
_ENVIRONMENT = environment()


def open_template(path: Path) -> DocxTemplate:
    try:
        template = DocxTemplate(path)
        template.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, SyntaxError) as exc:  # lxml's too
        raise TemplateError(_not_a_docx(path, exc)) from exc
    return template


def _not_a_docx(path: Path, exc: Exception) -> str:
    return _(
        "{file}: is not a Word document (.docx) that can be opened ({reason}); save it again "
        "from Word as .docx, or delete it from your templates folder to use the default"
    ).format(file=path, reason=exc)


@dataclass(frozen=True, eq=False)  # one per file and process: compared by identity
class Compiled:
    """A template read and compiled once per process: its zip members, and for each part with
    tags the Jinja template (after docxtpl's rewriting of {%p %}, {%tr %}, {% cellbg %}...)."""

    path: Path
    members: tuple[tuple[str, bytes], ...]
    parts: Mapping[str, jinja2.Template]
    sources: Mapping[str, str]  # each part's rewritten source, to point at a failing line


@dataclass(frozen=True)
class Rendered:
    """A filled-in template: its DOCX bytes and its rendered parts (for the combined file)."""

    data: bytes
    parts: Mapping[str, bytes]
    template: Compiled


def compiled(path: Path) -> Compiled:
    """The compiled template, read again only when the file changed."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise TemplateError(_not_a_docx(path, exc)) from exc
    return _compile(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _compile(path: Path, mtime_ns: int, size: int) -> Compiled:
    del mtime_ns, size  # part of the cache key only
    try:
        with zipfile.ZipFile(path) as archive:
            members = tuple((name, archive.read(name)) for name in archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise TemplateError(_not_a_docx(path, exc)) from exc
    if "word/document.xml" not in dict(members):
        raise TemplateError(_not_a_docx(path, KeyError("word/document.xml")))
    rewriter = DocxTemplate(path)
    parts: dict[str, jinja2.Template] = {}
    sources: dict[str, str] = {}
    for name, content in members:
        if not _RENDERED_PART.fullmatch(name):
            continue
        # As docxtpl does: its tag rewriting, then each paragraph on a line of its own.
        source = rewriter.patch_xml(content.decode("utf-8"))
        if not _TAG_START.search(source):
            continue  # nothing to fill in: the part is copied as it is
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        sources[name] = source
        try:
            parts[name] = _from_source(source)
        except jinja2.TemplateError as exc:
            _add_context(exc, source)
            raise TemplateError(explain(path, exc)) from exc
    return Compiled(path, members, parts, sources)


@functools.lru_cache(maxsize=128)
def _from_source(source: str) -> jinja2.Template:
    """Compiled once for every template that holds the same part (the shared header and footer)."""
    return _ENVIRONMENT.from_string(source)


def render(path: Path, context: Mapping[str, Any]) -> Rendered:
    """The rendered document, or a TemplateError naming the file and the tag."""
    template = compiled(path)
    parts: dict[str, bytes] = {}
    for name, part in template.parts.items():
        try:
            xml = part.render(context)
        except jinja2.TemplateError as exc:
            _add_context(exc, template.sources[name])
            raise TemplateError(explain(path, exc)) from exc
        parts[name] = _finish(xml).encode("utf-8")
    return Rendered(docx_bytes(template, parts), parts, template)


def _finish(xml: str) -> str:
    """docxtpl's clean-up after rendering: paragraphs rejoined, escaped braces restored, and
    line breaks and tabs inside a value turned into Word's own."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    for escaped, brace in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
        xml = xml.replace(escaped, brace)
    return str(DocxTemplate.resolve_listing(None, xml))


def _add_context(exc: jinja2.TemplateError, source: str) -> None:
    """The paragraphs around the failing line, as docxtpl gives them, for ``explain``."""
    lineno = getattr(exc, "lineno", None)
    if lineno is not None:
        first = max(lineno - 4, 0)
        lines = source.splitlines()[first : first + 7]
        exc.docx_context = [re.sub(r"<[^>]+>", "", line) for line in lines]  # type: ignore[attr-defined]


def docx_bytes(template: Compiled, parts: Mapping[str, bytes]) -> bytes:
    """The template's zip with the rendered parts, compressed once, with fixed timestamps."""
    return _zipped((name, parts.get(name, content)) for name, content in template.members)


def restamped(data: bytes) -> bytes:
    """A DOCX written by another library, with the fixed timestamps that make it reproducible."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    return _zipped(members)


def _zipped(members: Iterable[tuple[str, bytes]]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def render_docx(path: Path, context: Mapping[str, Any]) -> bytes:
    """The rendered document as DOCX bytes, every rendered part checked to be well-formed XML.

    For checking a template; packs use ``render``, whose templates were checked beforehand.
    """
    rendered = render(path, context)
    for name, content in rendered.parts.items():
        _check_xml(content, name, path)
    return rendered.data


def explain(path: Path, exc: jinja2.TemplateError) -> str:
    """A message naming the file, what is wrong and the tag it is in."""
    text = template_text(path)
    message = (exc.message or type(exc).__name__).rstrip(".")
    if isinstance(exc, jinja2.UndefinedError):
        name = _undefined_name(message)
        tag = find_tag(text, name) if name else None
        what = _("unknown field '{name}'").format(name=name) if name else message
        return _("{file}: {what} in the tag {tag}; {fix}").format(
            file=path, what=what, tag=tag or _("(not found)"), fix=_(_FIX_HINT)
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        tag = _syntax_error_tag(text, exc)
        if tag:
            return _("{file}: {what} in the tag {tag}; {fix}").format(
                file=path, what=message, tag=tag, fix=_(_FIX_HINT)
            )
    return f"{path}: {message}; {_(_FIX_HINT)}"


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


def _check_xml(content: bytes, name: str, path: Path) -> None:
    try:
        fromstring(content)
    except (ParseError, DefusedXmlException) as exc:
        raise TemplateError(
            _(
                "{file}: the tags produce broken Word XML in {part} ({reason}); a tag that spans "
                "paragraphs, rows or cells needs the {{%p %}}, {{%tr %}} or {{%tc %}} form; {fix}"
            ).format(file=path, part=name, reason=exc, fix=_(_FIX_HINT))
        ) from exc
