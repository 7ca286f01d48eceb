"""What the decree and the certificates say, built from the database and the configuration.

Every value handed to the templates is plain text (autoescaped there); only the QR code is markup, made
here by segno from our own verification URL.
"""
import re

from markupsafe import Markup

from app.models import Award, Competition, Innovation, Unit, UnitAward
from app.models.unit import UNIT_KIND_LABELS, UNIT_KINDS
from app.services import signers
from app.services.documents import indonesian as idn
from app.services.documents.render import DEFAULT_LAMBANG, file_url

# Editable defaults (each decree keeps its own copy in ``considerations`` / ``legal_bases``, one item per line).
DEFAULT_LEGAL_BASES = (
    "Undang-Undang Nomor 12 Tahun 1950 tentang Pembentukan Daerah Kabupaten di Djawa Timur (Berita Negara "
    "Republik Indonesia Tahun 1950 Nomor 41), sebagaimana telah diubah dengan Undang-Undang Nomor 2 Tahun 1965 "
    "tentang Perubahan Batas Wilayah Kotapraja Surabaya dan Daerah Tingkat II Surabaya;",
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik (Lembaran Negara Republik Indonesia Tahun 2009 "
    "Nomor 112, Tambahan Lembaran Negara Republik Indonesia Nomor 5038);",
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah (Lembaran Negara Republik Indonesia Tahun "
    "2014 Nomor 244, Tambahan Lembaran Negara Republik Indonesia Nomor 5587) sebagaimana telah beberapa kali "
    "diubah, terakhir dengan Undang-Undang Nomor 6 Tahun 2023;",
    "Peraturan Pemerintah Nomor 38 Tahun 2017 tentang Inovasi Daerah (Lembaran Negara Republik Indonesia Tahun "
    "2017 Nomor 206, Tambahan Lembaran Negara Republik Indonesia Nomor 6123);",
    "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 91 Tahun 2021 tentang "
    "Pembinaan Inovasi Pelayanan Publik;",
)


def region(config):
    head = f"{config['SIKIPP_HEAD_OF_REGION']} {config['SIKIPP_REGION_NAME']}"
    return {"head": head.upper(), "head_title": head, "province": (config.get("SIKIPP_PROVINCE_NAME") or "").upper(),
            "place": config.get("SIKIPP_DOCUMENT_PLACE") or config["SIKIPP_REGION_NAME"]}


def competition_full_name(competition):
    name = competition.name.strip()
    return name if str(competition.year) in name else f"{name} Tahun {competition.year}"


def default_considerations(competition, title, config):
    reg = region(config)
    return "\n".join((
        "bahwa dalam rangka mendorong peningkatan kualitas pelayanan publik di lingkungan Pemerintah "
        f"Kabupaten {config['SIKIPP_REGION_NAME']}, perlu memberikan penghargaan kepada unit penyelenggara "
        f"pelayanan publik yang telah menghasilkan inovasi pelayanan publik melalui {competition_full_name(competition)};",
        "bahwa berdasarkan hasil penilaian tim evaluasi terhadap proposal, presentasi dan verifikasi lapangan, "
        "telah diperoleh pemenang kompetisi sebagaimana dimaksud dalam huruf a;",
        "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu menetapkan "
        f"Keputusan {reg['head_title']} tentang {title};",
    ))


def default_legal_bases():
    return "\n".join(DEFAULT_LEGAL_BASES)


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
    rows.sort(key=lambda r: (_kind_order(r[0].category or r[2].kind), r[0].rank is None, r[0].rank or 0,
                             r[0].title, r[1].title, r[0].id))
    return rows


def competition_unit_awards(session, competition_id, unit_award_ids=None):
    query = (session.query(UnitAward, Unit).join(Unit, UnitAward.unit_id == Unit.id)
             .filter(UnitAward.competition_id == competition_id))
    if unit_award_ids is not None:
        query = query.filter(UnitAward.id.in_(list(unit_award_ids) or [-1]))
    return sorted(query.all(), key=lambda r: (_kind_order(r[1].kind), r[1].name, r[0].id))


def category_label(kind):
    return UNIT_KIND_LABELS.get(kind, kind or "-")


def _money_cell(amount):
    if amount is None:
        return {"cls": "money", "text": "-", "words": None}
    return {"cls": "money", "text": idn.rupiah(amount), "words": idn.rupiah_terbilang(amount)}


AWARD_HEADERS = ("NO", "INOVASI", "UNIT KERJA", "KATEGORI", "NILAI", "PREDIKAT", "HADIAH")
SCORE_COLUMN = AWARD_HEADERS.index("NILAI")


def award_rows(rows, with_scores=True):
    """The winners annex rows; NILAI is the award's score (its final-ranking score, app.services.awards)."""
    table = [[{"cls": "num", "text": str(i), "words": None}, innovation.title, unit.name,
              category_label(award.category or unit.kind), {"cls": "num", "text": idn.score(award.score), "words": None},
              award.title, _money_cell(award.prize_amount)]
             for i, (award, innovation, unit) in enumerate(rows, 1)]
    return table if with_scores else [row[:SCORE_COLUMN] + row[SCORE_COLUMN + 1:] for row in table]


def award_headers(with_scores=True):
    return AWARD_HEADERS if with_scores else AWARD_HEADERS[:SCORE_COLUMN] + AWARD_HEADERS[SCORE_COLUMN + 1:]


def unit_award_rows(rows):
    return [[{"cls": "num", "text": str(i), "words": None}, unit.name, category_label(unit.kind),
             {"cls": "num", "text": ua.sakip_grade, "words": None}, ua.title]
            for i, (ua, unit) in enumerate(rows, 1)]


ROMAN = ("I", "II", "III", "IV", "V")


def diktums(competition, config, has_unit_awards, reg):
    full = competition_full_name(competition)
    texts = [f"Menetapkan pemenang {full} sebagaimana tercantum dalam Lampiran I yang merupakan bagian tidak "
             "terpisahkan dari Keputusan ini."]
    if has_unit_awards:
        texts.append("Menetapkan unit kerja dengan nilai Sistem Akuntabilitas Kinerja Instansi Pemerintah (SAKIP) "
                     f"{'/'.join(config['SIKIPP_UNIT_AWARD_GRADES'])} sebagai penerima penghargaan sebagaimana "
                     "tercantum dalam Lampiran II yang merupakan bagian tidak terpisahkan dari Keputusan ini.")
    texts.append("Kepada pemenang sebagaimana dimaksud dalam Diktum KESATU diberikan Piagam Penghargaan dan uang "
                 "pembinaan sebagaimana tercantum dalam Lampiran I.")
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


def decree_context(session, decree, config, *, draft, number=None, signed_at=None, verify_url=None,
                   award_ids=None, unit_award_ids=None):
    competition = session.get(Competition, decree.competition_id)
    reg = region(config)
    tz = config["SIKIPP_TIMEZONE"]
    awards = competition_awards(session, competition.id, award_ids)
    units = competition_unit_awards(session, competition.id, unit_award_ids)
    with_scores = bool(config.get("SIKIPP_DECREE_ANNEX_SCORES", True))
    annexes = [{"roman": ROMAN[0], "heading": f"DAFTAR PEMENANG {competition_full_name(competition)}",
                "headers": award_headers(with_scores), "rows": award_rows(awards, with_scores)}]
    if units:
        annexes.append({"roman": ROMAN[1], "heading": "DAFTAR UNIT KERJA PENERIMA PENGHARGAAN NILAI SAKIP",
                        "headers": ("NO", "UNIT KERJA", "KATEGORI", "NILAI SAKIP", "PENGHARGAAN"),
                        "rows": unit_award_rows(units)})
    date_text = idn.format_date(signed_at, tz) if signed_at else None
    title = decree.title or ""
    return {
        "meta": {"title": f"Keputusan {reg['head_title']} Nomor {number or 'DRAF'} tentang {title}",
                 "author": reg["head_title"], "description": title},
        "draft": draft, "region": reg, "place": reg["place"], "lambang_url": lambang_url(config),
        "decree": {"number": number, "title": title, "year": competition.year,
                   "considerations": split_items(decree.considerations)
                   or split_items(default_considerations(competition, title, config)),
                   "legal_bases": split_items(decree.legal_bases) or split_items(default_legal_bases())},
        "diktums": diktums(competition, config, bool(units), reg),
        "annexes": annexes, "signer": signers.signature_block(session, decree, config), "date_text": date_text,
        "supersedes": supersedes_context(session, decree, config),
        "verify_url": verify_url, "qr_svg": qr_svg(verify_url) if verify_url else None,
        "tte_footer": config["SIKIPP_TTE_FOOTER"] if not draft else None,
        "award_ids": [a.id for a, _i, _u in awards], "unit_award_ids": [ua.id for ua, _u in units],
    }


def with_verification(ctx, verify_url):
    """``ctx`` (of a decree or a certificate) with its verification URL and the QR code of it."""
    return {**ctx, "verify_url": verify_url, "qr_svg": qr_svg(verify_url) if verify_url else None}


def certificate_context(session, award, decree, config, *, verify_url, draft=False):
    innovation = session.get(Innovation, award.innovation_id)
    unit = session.get(Unit, innovation.unit_id)
    competition = session.get(Competition, innovation.competition_id)
    reg = region(config)
    date_text = idn.format_date(decree.signed_at, config["SIKIPP_TIMEZONE"]) if decree.signed_at else None
    return {
        "meta": {"title": f"Piagam Penghargaan {award.title} - {unit.name}", "author": reg["head_title"],
                 "description": f"{award.title} {competition_full_name(competition)}"},
        "draft": draft, "region": reg, "place": reg["place"], "lambang_url": lambang_url(config),
        "decree": {"number": decree.number}, "date_text": date_text,
        "award": {"unit": unit.name, "title": award.title, "innovation": innovation.title,
                  "category": category_label(award.category or unit.kind)},
        "competition": {"full_name": competition_full_name(competition)},
        "signer": signers.signature_block(session, decree, config), "verify_url": verify_url,
        "qr_svg": qr_svg(verify_url) if verify_url else None,
        "tte_footer": config["SIKIPP_TTE_FOOTER"] if not draft else None,
    }

