"""What the decree and the certificates say, built from the database and the configuration.

Every value handed to the templates is plain text (autoescaped there); only the QR code is markup, made
here by segno from our own verification URL.
"""
import re

from markupsafe import Markup

from app.models import Award, Competition, Innovation, Unit, UnitAward
from app.models.unit import UNIT_KIND_LABELS, UNIT_KINDS
from app.services import groups, signers
from app.services.documents import indonesian as idn
from app.services.documents.render import DEFAULT_LAMBANG, file_url, page_size

# Mengingat defaults: the configured list (``SIKIPP_DECREE_LEGAL_BASES``, Sidoarjo's in config.py); this tuple is
# the fallback of a configuration without it. Each decree keeps its own copy in ``legal_bases`` (one per line).
DEFAULT_LEGAL_BASES = (
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik (Lembaran Negara Republik Indonesia Tahun 2009 "
    "Nomor 112, Tambahan Lembaran Negara Republik Indonesia Nomor 5038);",
)


def region(config):
    head = f"{config['SIKIPP_HEAD_OF_REGION']} {config['SIKIPP_REGION_NAME']}"
    kind = "Kota" if config["SIKIPP_HEAD_OF_REGION"].strip().lower().startswith("wali") else "Kabupaten"
    return {"head": head.upper(), "head_title": head, "province": (config.get("SIKIPP_PROVINCE_NAME") or "").upper(),
            "government": f"PEMERINTAH {kind} {config['SIKIPP_REGION_NAME']}".upper(),
            "place": config.get("SIKIPP_DOCUMENT_PLACE") or config["SIKIPP_REGION_NAME"]}


def competition_full_name(competition):
    name = competition.name.strip()
    return name if str(competition.year) in name else f"{name} Tahun {competition.year}"


def _join(items):
    """"a", "a dan b", "a, b, dan c"."""
    items = list(items)
    if len(items) <= 2:
        return " dan ".join(items)
    return ", ".join(items[:-1]) + ", dan " + items[-1]


def default_considerations(competition, title, config):
    """Menimbang of a new draft: the purpose; the competition's actual rounds and the berita acara of the closed
    ones (number and date, :mod:`app.services.documents.berita_acara`); the closing consideration."""
    from app.services.documents import berita_acara

    reg = region(config)
    rounds = sorted(competition.rounds, key=lambda r: r.sequence)
    names = [f"tahap {r.name.strip()}" for r in rounds if (r.name or "").strip()]
    result = "hasil penilaian Tim Penilai"
    if names:
        result += " melalui " + _join(names)
    cited = [f"Berita Acara Tim Penilai Tahap {r.name.strip()} Nomor {berita_acara.number(config, r)} tanggal "
             f"{idn.format_date(r.closed_at, config['SIKIPP_TIMEZONE'])}" for r in rounds if r.closed_at is not None]
    if cited:
        result += " sebagaimana tercantum dalam " + _join(cited)
    return "\n".join((
        "bahwa dalam rangka mendorong peningkatan kualitas pelayanan publik di lingkungan Pemerintah "
        f"Kabupaten {config['SIKIPP_REGION_NAME']}, perlu memberikan penghargaan kepada unit penyelenggara "
        f"pelayanan publik yang telah menghasilkan inovasi pelayanan publik melalui {competition_full_name(competition)};",
        f"bahwa berdasarkan {result}, telah diperoleh pemenang {competition_full_name(competition)} sebagaimana "
        "dimaksud dalam huruf a;",
        "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu menetapkan "
        f"Keputusan {reg['head_title']} tentang {title};",
    ))


def default_legal_bases(config=None, year=None):
    items = (config or {}).get("SIKIPP_DECREE_LEGAL_BASES") or DEFAULT_LEGAL_BASES
    return "\n".join(item.replace("{year}", str(year) if year else "\u2026") for item in items)


_MARK = re.compile(r"^\s*(?:[a-zA-Z]|\d{1,2})[.)]\s+")


def split_items(text):
    """One item per non-empty line; a typed leading "a." / "1." is dropped (the layout numbers them)."""
    return [_MARK.sub("", line).strip() for line in (text or "").splitlines() if line.strip()]


def lambang_url(config):
    return file_url(config.get("SIKIPP_LAMBANG_PATH") or DEFAULT_LAMBANG)


def qr_svg(url):
    import segno

    # Made by us from our own URL (segno escapes it); the only markup that reaches the templates.
    return Markup(segno.make(url, error="m").svg_inline(scale=2, border=0, omitsize=True))


def _kind_order(kind):
    return UNIT_KINDS.index(kind) if kind in UNIT_KINDS else len(UNIT_KINDS)


def competition_awards(session, competition_id, award_ids=None):
    """(award, innovation, unit) of a competition, in decree order: category, rank, title."""
    query = (session.query(Award, Innovation, Unit).join(Innovation, Award.innovation_id == Innovation.id)
             .join(Unit, Innovation.unit_id == Unit.id).filter(Innovation.competition_id == competition_id,
                                                               Award.voided_at.is_(None)))  # voided: disqualified
    if award_ids is not None:
        query = query.filter(Award.id.in_(list(award_ids) or [-1]))
    rows = query.all()
    # Grouped by group × category (issue 12), in the competition's order of groups and categories.
    competition = session.get(Competition, competition_id)
    bucket_key = groups.bucket_order(competition)
    rows.sort(key=lambda r: (bucket_key(_award_bucket(*r)), r[0].rank is None, r[0].rank or 0,
                             r[0].title, r[1].title, r[0].id))
    return rows


def _award_bucket(award, innovation, unit):
    return (award.group or innovation.group, award.category or innovation.category or unit.kind)


def award_category_text(award, innovation, unit):
    """The KATEGORI of an award: its category, preceded by its group when the competition has several groups
    (issue 12: winners per group × category)."""
    group, category = _award_bucket(award, innovation, unit)
    competition = innovation.competition
    if competition is not None and len(groups.effective_groups(competition)) > 1:
        return f"{groups.group_label(group)} – {category_label(category)}"
    return category_label(category)


def competition_unit_awards(session, competition_id, unit_award_ids=None):
    query = (session.query(UnitAward, Unit).join(Unit, UnitAward.unit_id == Unit.id)
             .filter(UnitAward.competition_id == competition_id))
    if unit_award_ids is not None:
        query = query.filter(UnitAward.id.in_(list(unit_award_ids) or [-1]))
    return sorted(query.all(), key=lambda r: (_kind_order(r[1].kind), r[1].name, r[0].id))


def category_label(kind):
    """A unit kind's label, or a thematic category as it is."""
    return UNIT_KIND_LABELS.get(kind, kind or "-")


def _money_cell(amount):
    if amount is None:
        return {"cls": "money", "text": "-", "words": None}
    return {"cls": "money", "text": idn.rupiah(amount), "words": idn.rupiah_terbilang(amount)}


AWARD_HEADERS = ("NO", "INOVASI", "UNIT KERJA", "KATEGORI", "NILAI", "PREDIKAT", "UANG PEMBINAAN")
SCORE_COLUMN = AWARD_HEADERS.index("NILAI")
PRIZE_COLUMN = AWARD_HEADERS.index("UANG PEMBINAAN")


def _columns(with_scores, with_prizes):
    return [i for i in range(len(AWARD_HEADERS))
            if (with_scores or i != SCORE_COLUMN) and (with_prizes or i != PRIZE_COLUMN)]


def award_rows(rows, with_scores=True, with_prizes=True):
    """The winners annex rows; NILAI is the award's score (its final-ranking score, app.services.awards), shown
    only when ``SIKIPP_DECREE_ANNEX_SCORES`` is on; UANG PEMBINAAN only when some award has a prize."""
    table = [[{"cls": "num", "text": str(i), "words": None}, innovation.title, unit.name,
              award_category_text(award, innovation, unit),
              {"cls": "num", "text": idn.score(award.score), "words": None},
              award.title, _money_cell(award.prize_amount)]
             for i, (award, innovation, unit) in enumerate(rows, 1)]
    keep = _columns(with_scores, with_prizes)
    return [[row[i] for i in keep] for row in table]


def award_headers(with_scores=True, with_prizes=True):
    return tuple(AWARD_HEADERS[i] for i in _columns(with_scores, with_prizes))


def unit_award_rows(rows):
    return [[{"cls": "num", "text": str(i), "words": None}, unit.name, category_label(unit.kind),
             {"cls": "num", "text": ua.sakip_grade, "words": None}, ua.title]
            for i, (ua, unit) in enumerate(rows, 1)]


ROMAN = ("I", "II", "III", "IV", "V")


def annex_labels(count):
    """What the annexes are called: "Lampiran" alone when there is one, "Lampiran I", "Lampiran II"… otherwise."""
    return ["Lampiran"] if count == 1 else [f"Lampiran {ROMAN[i]}" for i in range(count)]


def has_prizes(awards):
    return any(award.prize_amount is not None and award.prize_amount > 0 for award, _i, _u in awards)


def diktums(competition, config, labels, awards, reg):
    """The diktum from the data: the winners (and the SAKIP unit awards when listed); the Piagam, and the uang
    pembinaan only when a prize is set, saying who receives it (the winning unit); the cost; entry into force."""
    full = competition_full_name(competition)
    texts = [f"Menetapkan pemenang {full} sebagaimana tercantum dalam {labels[0]} yang merupakan bagian tidak "
             "terpisahkan dari Keputusan ini."]
    if len(labels) > 1:
        texts.append("Menetapkan unit kerja dengan nilai Sistem Akuntabilitas Kinerja Instansi Pemerintah (SAKIP) "
                     f"{'/'.join(config['SIKIPP_UNIT_AWARD_GRADES'])} sebagai penerima penghargaan sebagaimana "
                     f"tercantum dalam {labels[1]} yang merupakan bagian tidak terpisahkan dari Keputusan ini.")
    first = idn.diktum(0)
    prized = [award for award, _i, _u in awards if award.prize_amount is not None and award.prize_amount > 0]
    if not prized:
        texts.append(f"Kepada pemenang sebagaimana dimaksud dalam Diktum {first} diberikan Piagam Penghargaan.")
    else:
        receiver = ("yang diterimakan kepada unit kerja penyelenggara pelayanan publik pemenang untuk pengembangan "
                    "inovasi pelayanan publiknya.")
        if len(prized) == len(awards):
            texts.append(f"Kepada pemenang sebagaimana dimaksud dalam Diktum {first} diberikan Piagam Penghargaan dan "
                         f"uang pembinaan dengan besaran sebagaimana tercantum dalam {labels[0]}, {receiver}")
        else:
            texts.append(f"Kepada pemenang sebagaimana dimaksud dalam Diktum {first} diberikan Piagam Penghargaan; "
                         f"kepada pemenang yang tercantum besaran uang pembinaannya dalam {labels[0]} diberikan pula "
                         f"uang pembinaan sebesar yang tercantum, {receiver}")
    texts.append("Segala biaya yang timbul akibat ditetapkannya Keputusan ini dibebankan pada Anggaran Pendapatan "
                 f"dan Belanja Daerah Kabupaten {config['SIKIPP_REGION_NAME']} Tahun Anggaran {competition.year}.")
    texts.append("Keputusan ini mulai berlaku pada tanggal ditetapkan.")
    return [(idn.diktum(i), text) for i, text in enumerate(texts)]


def signer_block(config):
    """The configured signature block (no signer's profile): app.services.signers.config_block."""
    from app.services import signers

    return signers.config_block(config)


def supersedes_context(session, decree, config):
    """The decree a superseding draft revokes or amends, as its text cites it (None when it supersedes none)."""
    from app.models import Decree

    old = session.get(Decree, decree.supersedes_id) if getattr(decree, "supersedes_id", None) else None
    if old is None:
        return None
    return {"number": old.number or "", "title": old.title or "",
            "date_text": idn.format_date(old.signed_at, config["SIKIPP_TIMEZONE"]) if old.signed_at else ""}


def salinan_block(config):
    """Who attests a SALINAN ("Salinan sesuai dengan aslinya"): the Kepala Bagian Hukum by default."""
    return {"title": config.get("SIKIPP_SALINAN_TITLE") or "KEPALA BAGIAN HUKUM,",
            "name": config.get("SIKIPP_SALINAN_NAME") or "", "rank": config.get("SIKIPP_SALINAN_RANK") or "",
            "nip": config.get("SIKIPP_SALINAN_NIP") or ""}


def page(config, certificate=False):
    """The page set-up of a document: CSS paper size and font size (points)."""
    if certificate:
        size = page_size(config.get("SIKIPP_CERTIFICATE_PAPER") or "A4", landscape=True)
    else:
        size = page_size(config.get("SIKIPP_DOCUMENT_PAPER") or "F4")
    return {"size": size, "font_size": float(config.get("SIKIPP_DOCUMENT_FONT_SIZE") or 12)}


def signature_footer(config, *, draft, development=None):
    """The footer of a signed document: the TTE text only when a production signer signs it; a document signed
    with the development pair says so instead (no BSrE claim). Drafts have none."""
    if draft:
        return None
    if development is None:
        from app.services.documents.signing import get_signer

        development = get_signer(config).is_development
    return config["SIKIPP_DEV_SIGNER_FOOTER"] if development else config["SIKIPP_TTE_FOOTER"]


SALINAN_FOOTER = "Salinan dari naskah asli yang ditandatangani secara elektronik."
VARIANTS = ("asli", "salinan")


def decree_context(session, decree, config, *, draft, number=None, signed_at=None, verify_url=None,
                   award_ids=None, unit_award_ids=None, variant="asli", development=None):
    """What the decree says. ``variant`` "salinan": the copy for distribution and the JDIH — "SALINAN" on top,
    "ttd." in place of the signature, no stamp and no QR code, and the "Salinan sesuai dengan aslinya" block."""
    competition = session.get(Competition, decree.competition_id)
    reg = region(config)
    tz = config["SIKIPP_TIMEZONE"]
    awards = competition_awards(session, competition.id, award_ids)
    units = competition_unit_awards(session, competition.id, unit_award_ids)
    with_scores = bool(config.get("SIKIPP_DECREE_ANNEX_SCORES", False))
    with_prizes = has_prizes(awards)
    labels = annex_labels(2 if units else 1)
    annexes = [{"label": labels[0].upper(), "heading": f"DAFTAR PEMENANG {competition_full_name(competition)}",
                "headers": award_headers(with_scores, with_prizes), "rows": award_rows(awards, with_scores, with_prizes)}]
    if units:
        annexes.append({"label": labels[1].upper(), "heading": "DAFTAR UNIT KERJA PENERIMA PENGHARGAAN NILAI SAKIP",
                        "headers": ("NO", "UNIT KERJA", "KATEGORI", "NILAI SAKIP", "PENGHARGAAN"),
                        "rows": unit_award_rows(units)})
    date_text = idn.format_date(signed_at, tz) if signed_at else None
    title = decree.title or ""
    salinan = variant == "salinan"
    footer = SALINAN_FOOTER if salinan else signature_footer(config, draft=draft, development=development)
    return {
        "meta": {"title": f"{'Salinan ' if salinan else ''}Keputusan {reg['head_title']} Nomor {number or 'DRAF'} "
                          f"tentang {title}", "author": reg["head_title"], "description": title},
        "page": page(config), "draft": draft, "region": reg, "place": reg["place"], "lambang_url": lambang_url(config),
        "decree": {"number": number, "title": title, "year": competition.year,
                   "considerations": split_items(decree.considerations)
                   or split_items(default_considerations(competition, title, config)),
                   "legal_bases": split_items(decree.legal_bases)
                   or split_items(default_legal_bases(config, competition.year))},
        "diktums": diktums(competition, config, labels, awards, reg),
        "annexes": annexes, "signer": signers.signature_block(session, decree, config),
        "supersedes": supersedes_context(session, decree, config), "date_text": date_text,
        "tembusan": list(config.get("SIKIPP_DECREE_TEMBUSAN") or ()),
        "salinan": salinan_block(config) if salinan else None,
        "verify_url": verify_url, "qr_svg": qr_svg(verify_url) if verify_url and not salinan else None,
        "tte_footer": footer,
        "award_ids": [a.id for a, _i, _u in awards], "unit_award_ids": [ua.id for ua, _u in units],
    }


def with_verification(ctx, verify_url):
    """``ctx`` (of a decree or a certificate) with its verification URL and the QR code of it."""
    return {**ctx, "verify_url": verify_url, "qr_svg": qr_svg(verify_url) if verify_url else None}


def certificate_number(config, decree_number, seq, signed_at=None):
    """A certificate's number: ``SIKIPP_CERTIFICATE_NUMBER_PATTERN`` from the decree's number and the award's place
    in the decree's annex (stable: the decree's manifest fixes the order)."""
    year = idn.local_date(signed_at, config["SIKIPP_TIMEZONE"]).year if signed_at else ""
    pattern = config.get("SIKIPP_CERTIFICATE_NUMBER_PATTERN") or "{decree_number}/{seq:03d}"
    return pattern.format(decree_number=decree_number or "", seq=seq, year=year)[:100]  # the column's size


def certificate_context(session, award, decree, config, *, verify_url, draft=False, number=None, development=None):
    innovation = session.get(Innovation, award.innovation_id)
    unit = session.get(Unit, innovation.unit_id)
    competition = session.get(Competition, innovation.competition_id)
    reg = region(config)
    date_text = idn.format_date(decree.signed_at, config["SIKIPP_TIMEZONE"]) if decree.signed_at else None
    return {
        "meta": {"title": f"Piagam Penghargaan {award.title} - {unit.name}", "author": reg["head_title"],
                 "description": f"{award.title} {competition_full_name(competition)}"},
        "page": page(config, certificate=True), "draft": draft, "region": reg, "place": reg["place"],
        "lambang_url": lambang_url(config), "certificate": {"number": number},
        "decree": {"number": decree.number}, "date_text": date_text,
        "award": {"unit": unit.name, "title": award.title, "innovation": innovation.title,
                  "category": award_category_text(award, innovation, unit)},
        "competition": {"full_name": competition_full_name(competition)},
        "signer": signers.signature_block(session, decree, config), "verify_url": verify_url,
        "qr_svg": qr_svg(verify_url) if verify_url else None,
        "tte_footer": signature_footer(config, draft=draft, development=development),
    }
