"""HTML → PDF with WeasyPrint, safely.

- Templates (``templates/documents``) are rendered by a Jinja environment with autoescape always on and
  StrictUndefined: user text (titles, unit names, Menimbang…) never reaches the renderer as markup.
- :class:`AssetOnlyFetcher` is WeasyPrint's ``url_fetcher``: it answers ``data:`` URIs and the project's own
  document assets (an allow-list of files: bundled fonts, the configured lambang) and refuses everything
  else — no network (http, https, ftp), no other file. ``allowed_protocols`` alone would not do: it checks
  the scheme, not the host or the path.
"""
import atexit
import logging
import os
import shutil
import threading
import weakref
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATE_DIR = os.path.join(ROOT, "templates", "documents")
ASSET_DIR = os.path.join(ROOT, "static", "documents")
FONT_DIR = os.path.join(ROOT, "static", "fonts")
DEFAULT_LAMBANG = os.path.join(ASSET_DIR, "lambang.svg")
ASSET_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".css": "text/css"}
MAX_ASSET_BYTES = 5 * 1024 * 1024


class AssetRefused(ValueError):
    pass


class AssetOnlyFetcher(URLFetcher):
    """Serves ``data:`` URIs and an explicit allow-list of local asset files; refuses all else."""

    def __init__(self, allowed_files=(), **kwargs):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1, **kwargs)
        self.allowed = {os.path.realpath(p) for p in allowed_files}
        self.refused = []  # URLs asked for and refused (for logs and tests)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)  # the base class checks the scheme again: only data:
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc in ("", "localhost"):
                path = os.path.realpath(url2pathname(unquote(parts.path)))
                if path in self.allowed:
                    with open(path, "rb") as fh:
                        body = fh.read(MAX_ASSET_BYTES)
                    ext = os.path.splitext(path)[1].lower()
                    return URLFetcherResponse(url, body, {"Content-Type": ASSET_TYPES.get(ext, "application/octet-stream")})
        self.refused.append(url)
        log.warning("document renderer refused to fetch %s", url[:200])
        raise AssetRefused(f"not an allowed document asset: {url[:200]}")


def file_url(path):
    return "file://" + os.path.abspath(path).replace(os.sep, "/")


def font_files():
    return [os.path.join(FONT_DIR, name) for name in sorted(os.listdir(FONT_DIR)) if name.endswith((".ttf", ".otf"))]


# Paper sizes of the documents (CSS ``size``): F4 ("folio", 215 x 330 mm) is the usual paper of produk hukum daerah.
PAPER_SIZES = {"F4": "215mm 330mm", "A4": "210mm 297mm"}


def page_size(paper, landscape=False):
    """CSS ``@page`` size of a configured paper name (F4 or A4; anything else is refused at start-up)."""
    size = PAPER_SIZES[(paper or "A4").upper()]
    if landscape:
        width, height = size.split()
        size = f"{height} {width}"
    return size


def allowed_assets(lambang_path=None):
    files = font_files() + [DEFAULT_LAMBANG]
    if lambang_path:
        files.append(lambang_path)
    return files


_env = None


def environment():
    global _env
    if _env is None:
        _env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                                  undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        _env.globals["font_url"] = lambda name: file_url(os.path.join(FONT_DIR, name))
    return _env


def render_html(template_name, **context):
    return environment().get_template(template_name).render(**context)


@dataclass
class RenderedPdf:
    pdf: bytes
    anchors: dict = field(default_factory=dict)  # element id → (page index, (x1, y1, x2, y2)) in PDF points,
    #                                              origin bottom-left
    page_sizes: list = field(default_factory=list)  # (width, height) in points per page
    refused: list = field(default_factory=list)


PX_TO_PT = 0.75  # CSS px → PDF points


_local = threading.local()


def font_configuration():
    """This thread's WeasyPrint :class:`FontConfiguration`, kept across renders.

    A new one per render (WeasyPrint's default) reloads Fontconfig's configuration, and every ``@font-face``
    of the documents' stylesheet fetches its font again (2.2 MB of DejaVu), writes it to a temporary file and
    registers it with Fontconfig: a fifth to a third of a one-page certificate's render. Kept, each face is added
    once (WeasyPrint keys it by its descriptors, URL included). Our templates declare only the bundled fonts
    (the first fetch goes through :class:`AssetOnlyFetcher` like any other), and user text never reaches a
    stylesheet. Per thread: Pango and Fontconfig objects are not shared between threads.
    """
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
        _font_configs.add(config)
    return config


_font_configs = weakref.WeakSet()


@atexit.register
def _remove_font_folders():
    """WeasyPrint deletes a configuration's temporary font folder when the object is collected, which a
    configuration kept for the main thread's life may not be at interpreter exit."""
    for config in list(_font_configs):
        folder = getattr(config, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def html_to_pdf(html, *, lambang_path=None, variant="pdf/a-3u", anchors=(), metadata_title=None):
    """Render ``html`` to PDF bytes; also report where the elements with the ids in ``anchors`` landed."""
    fetcher = AssetOnlyFetcher(allowed_assets(lambang_path))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(font_config=font_configuration())
    found, sizes = {}, []
    for index, page in enumerate(document.pages):
        height_pt = page.height * PX_TO_PT
        sizes.append((page.width * PX_TO_PT, height_pt))
        for name in anchors:
            if name in page.anchors and name not in found:
                x1, y1, x2, y2 = page.anchors[name]
                found[name] = (index, (x1 * PX_TO_PT, height_pt - y2 * PX_TO_PT, x2 * PX_TO_PT,
                                       height_pt - y1 * PX_TO_PT))
    options = {"pdf_variant": variant} if variant else {}
    pdf = document.write_pdf(**options)
    return RenderedPdf(pdf=pdf, anchors=found, page_sizes=sizes, refused=list(fetcher.refused))
