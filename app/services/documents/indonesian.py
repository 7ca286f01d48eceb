"""Indonesian writing conventions for official documents (reference/domain.md):
dates "5 Januari 2020" (no leading zero), money "Rp5.000.000,00" and its terbilang "(lima juta rupiah)"."""
import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ONES = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas")
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))


def local_date(value, timezone="Asia/Jakarta"):
    """The calendar date of ``value`` in ``timezone``; a naive datetime is UTC (DESIGN §6)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(ZoneInfo(timezone)).date()
    return value


def format_date(value, timezone="Asia/Jakarta"):
    """``5 Januari 2020``: day without a leading zero, month name, year."""
    d = local_date(value, timezone)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_datetime(value, timezone="Asia/Jakarta"):
    """``5 Januari 2020 14:05 WIB``: a (naive UTC or aware) time in ``timezone`` with the zone's abbreviation."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M} {local.tzname()}"


def _below_thousand(n):
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus")
    if rest < 12:
        if rest:
            words.append(_ONES[rest])
    elif rest < 20:
        words.append(f"{_ONES[rest - 10]} belas")
    else:
        tens, ones = divmod(rest, 10)
        words.append(f"{_ONES[tens]} puluh")
        if ones:
            words.append(_ONES[ones])
    return " ".join(words)


def terbilang(n):
    """An integer in Indonesian words: 1000 → "seribu", 1000000 → "satu juta", 0 → "nol"."""
    n = int(n)
    if n < 0:
        return "minus " + terbilang(-n)
    if n == 0:
        return "nol"
    words = []
    for size, name in _SCALES:
        if n >= size:
            count, n = divmod(n, size)
            words.append(f"{terbilang(count)} {name}")
    if n >= 1000:
        count, n = divmod(n, 1000)
        words.append("seribu" if count == 1 else f"{_below_thousand(count)} ribu")
    if n:
        words.append(_below_thousand(n))
    return " ".join(words)


def _cents(amount):
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rupiah(amount):
    """``Rp5.000.000,00``: no space, dots between thousands, comma before the two decimals."""
    value = _cents(amount)
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}Rp{'.'.join(groups)},{frac}"


def rupiah_terbilang(amount):
    """The amount in words: "lima juta rupiah", with "… rupiah lima puluh sen" when there are cents."""
    value = _cents(amount)
    whole = int(value)
    cents = int((abs(value) - abs(whole)) * 100)
    text = f"{terbilang(whole)} rupiah"
    if cents:
        text += f" {terbilang(cents)} sen"
    return text


def rupiah_full(amount):
    """``Rp5.000.000,00 (lima juta rupiah)``."""
    return f"{rupiah(amount)} ({rupiah_terbilang(amount)})"


def count_words(n):
    """Counts in legal text: ``14 (empat belas)``."""
    return f"{n} ({terbilang(n)})"


ORDINAL_DIKTUM = ("KESATU", "KEDUA", "KETIGA", "KEEMPAT", "KELIMA", "KEENAM", "KETUJUH", "KEDELAPAN",
                  "KESEMBILAN", "KESEPULUH", "KESEBELAS", "KEDUA BELAS")


def diktum(index):
    """The diktum label of the ``index``-th (0-based) article: KESATU, KEDUA, …"""
    return ORDINAL_DIKTUM[index] if index < len(ORDINAL_DIKTUM) else f"KE-{index + 1}"


def score(value):
    """A score for display: two decimals with a decimal comma (``87,50``), or ``-``."""
    if value is None:
        return "-"
    return f"{float(value):.2f}".replace(".", ",")
