"""Active content in an uploaded PDF, found by parsing its object graph (issue 13, item 5).

Every object the file declares — in the classic cross-reference table and inside compressed object streams —
is parsed with pypdf, whose names are already unescaped (``/J#61vaScript`` is ``/JavaScript``), and every
dictionary and array in it is walked (direct objects included). Refused:

- JavaScript anywhere (``/JS``, ``/S /JavaScript``, the ``/JavaScript`` name tree);
- actions that run without a click: ``/OpenAction`` with an action (a plain destination — open at a page —
  is allowed) and additional actions ``/AA`` of any kind;
- actions that reach outside the document: ``/Launch``, ``/SubmitForm``, ``/ImportData``, ``/GoToR``,
  ``/GoToE``, ``/RichMediaExecute``, ``/Rendition``, ``/Movie``, ``/Sound``; ``/URI`` when it runs by itself
  (an open or additional action); an ordinary link a reader clicks (a link annotation to a web page, e.g. a
  video) stays allowed;
- embedded files (``/EmbeddedFiles``, ``/EmbeddedFile``, a file specification carrying ``/EF``), RichMedia,
  3D and movie annotations, and XFA forms (``/XFA``).

A PDF that cannot be parsed, or whose objects cannot be read (encrypted with a password), is refused too.
:func:`active_content` returns the first finding, ``(kind, detail)`` — a key of :data:`KINDS` (what to tell the
person) and the PDF construct (for the logs) — or None.
"""
from flask_babel import lazy_gettext as _l
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# What a finding is, for the person uploading (the detail after it is for the logs).
KINDS = {
    "javascript": _l("JavaScript"),
    "automatic": _l("an action that runs by itself when the document opens or changes"),
    "outward": _l("an action that opens another file, program or web address or sends data"),
    "embedded": _l("an embedded file"),
    "multimedia": _l("multimedia or 3D content"),
    "xfa": _l("an XFA form"),
}

MAX_DEPTH = 64
SCRIPT_KEYS = {"/JS", "/JavaScript"}
REFUSED_KEYS = {"/AA": ("automatic", "/AA"), "/EmbeddedFiles": ("embedded", "/EmbeddedFiles"),
                "/EmbeddedFile": ("embedded", "/EmbeddedFile"), "/XFA": ("xfa", "/XFA"),
                "/RichMediaContent": ("multimedia", "/RichMediaContent"),
                "/RichMediaSettings": ("multimedia", "/RichMediaSettings")}
REFUSED_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
                   "/RichMediaExecute", "/Rendition", "/Movie", "/Sound"}
REFUSED_SUBTYPES = {"/RichMedia", "/3D", "/Movie", "/Sound", "/Screen", "/FileAttachment"}
REFUSED_TYPES = {"/EmbeddedFile"}


class Unreadable(Exception):
    """The PDF's objects cannot be parsed."""


def _name(value):
    return str(value) if isinstance(value, NameObject) else None




def _action_finding(action, automatic):
    if not isinstance(action, DictionaryObject):
        return None
    kind = _name(action.get("/S"))
    if kind == "/JavaScript":
        return "javascript", "/S /JavaScript"
    if kind in REFUSED_ACTIONS:
        return ("multimedia" if kind in ("/RichMediaExecute", "/Rendition", "/Movie", "/Sound") else "outward",
                f"/S {kind}")
    if automatic and kind not in (None, "/GoTo"):
        return "automatic", f"/OpenAction /S {kind}"
    return None


def _scan(value, depth=0):
    """Findings in one object and the direct objects inside it (references are scanned as objects of their
    own: every indirect object is enumerated, so nothing reachable is missed and no chain is followed)."""
    if depth > MAX_DEPTH:
        raise Unreadable("objects nested too deeply")
    if isinstance(value, IndirectObject):
        return None
    if isinstance(value, DictionaryObject):
        finding = _action_finding(value, automatic=False)
        if finding:
            return finding
        if _name(value.get("/Type")) in REFUSED_TYPES:
            return "embedded", "/Type /EmbeddedFile"
        subtype = _name(value.get("/Subtype"))
        if subtype in REFUSED_SUBTYPES:
            return ("embedded" if subtype == "/FileAttachment" else "multimedia"), f"/Subtype {subtype}"
        if "/EF" in value:  # only a file specification carries /EF; readers honour it without /Type /Filespec
            return "embedded", "/Filespec /EF"
        for key in value.keys():
            if key in SCRIPT_KEYS:
                return "javascript", str(key)
            if key in REFUSED_KEYS:
                return REFUSED_KEYS[key]
        if "/OpenAction" in value:
            opened = value["/OpenAction"]
            opened = opened.get_object() if isinstance(opened, IndirectObject) else opened
            finding = _action_finding(opened, automatic=True)
            if finding:
                return finding
        for item in value.values():
            finding = _scan(item, depth + 1)
            if finding:
                return finding
    elif isinstance(value, ArrayObject):
        for item in value:
            finding = _scan(item, depth + 1)
            if finding:
                return finding
    return None


def _all_objects(reader):
    """Every indirect object the file declares (cross-reference tables and object streams)."""
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    for num, gen in sorted(numbers):
        if num == 0:
            continue
        yield IndirectObject(num, gen, reader)


def active_content(reader):
    """The first active content found in a parsed :class:`pypdf.PdfReader` (None: none). Raises
    :class:`Unreadable` when an object cannot be parsed."""
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise Unreadable("encrypted")
        except Unreadable:
            raise
        except Exception as err:
            raise Unreadable("encrypted") from err
    try:
        finding = _scan(reader.trailer)
        if finding:
            return finding
        for ref in _all_objects(reader):
            finding = _scan(ref.get_object())
            if finding:
                return finding
    except Unreadable:
        raise
    except Exception as err:  # pypdf's parse errors, broken streams, bad references
        raise Unreadable(f"{type(err).__name__}: {err}") from err
    return None
