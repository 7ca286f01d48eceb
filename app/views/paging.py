"""Paging of the app's own long tables (ranking, participation; issue 14): ``?page=`` from 0, 100 rows a page."""
from flask import request

SCREEN_PAGE_SIZE = 100


def screen_page():
    """The requested page (0 for anything that is no small whole number)."""
    raw = request.args.get("page", "")
    return int(raw) if raw.isdigit() and len(raw) < 8 else 0


def pager(page, count, page_size):
    """What templates/sikipp/_pager.html shows: None when everything fits on one page."""
    pages = max(1, -(-count // page_size))
    if pages <= 1:
        return None
    page = min(page, pages - 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return {"page": page, "pages": pages, "count": count, "args": args,
            "previous": page - 1 if page > 0 else None, "next": page + 1 if page + 1 < pages else None}
