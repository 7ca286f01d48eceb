"""Small real PDFs for tests (pypdf writes them)."""
import io

from pypdf import PdfWriter


def blank_pdf(pages=1):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
