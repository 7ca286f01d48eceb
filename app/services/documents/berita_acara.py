"""The berita acara (official record) of a closed round: what the jury did, for the file and for the decree.

One PDF per closed round (``GET /api/v1/round/<pk>/berita_acara``), rendered like the decree (same renderer,
same bundled fonts and lambang, same paper): the round, its criteria with their weights, the jurors, the
ranking per category with the round scores, who advances, and a place for each juror's signature (signed on
paper). Its number (``SIKIPP_BERITA_ACARA_NUMBER_PATTERN``) and date (the day the round was closed) are derived
from the round, so they are stable, and the decree's Menimbang cites them (``content.default_considerations``).
A closed round no longer changes (no sheet, assignment or criterion can), so the record renders the same each time.
"""
from sqlalchemy import func, select

from app.models import Assignment, Competition, Criterion, Round, ScoreSheet, User
from app.services import groups as group_rules
from app.services.documents import indonesian as idn
from app.services.documents.render import html_to_pdf, render_html
from app.services.errors import Conflict


def number(config, rnd):
    competition_year = rnd.competition.year if rnd.competition is not None else ""
    pattern = config.get("SIKIPP_BERITA_ACARA_NUMBER_PATTERN") or "BA.{sequence}/TIM-KIPP/{competition_id}/{year}"
    return pattern.format(sequence=rnd.sequence, round_id=rnd.id, competition_id=rnd.competition_id,
                          year=competition_year)


def _person(user):
    parts = (part.strip() for part in (user.first_name, user.last_name) if part)
    name = " ".join(part for part in parts if part not in ("", "-"))  # "-": no last name (app.commands.users)
    return name or user.username


def _percent(value):
    return f"{value:.2f}".replace(".", ",").rstrip("0").rstrip(",") + " %"


def context(session, rnd, config):
    """What the berita acara of ``rnd`` (closed) says. Refuses an open round (409)."""
    from flask_babel import gettext as _

    from app.services import ranking
    from app.services.documents import content

    if rnd.closed_at is None:
        raise Conflict(_("The berita acara of a round exists once the round is closed."))
    competition = session.get(Competition, rnd.competition_id)
    reg = content.region(config)
    tz = config["SIKIPP_TIMEZONE"]
    criteria = session.query(Criterion).filter(Criterion.round_id == rnd.id).order_by(Criterion.sequence,
                                                                                     Criterion.id).all()
    total_weight = sum(c.weight for c in criteria) or 1
    jurors = session.execute(
        select(User, func.count(ScoreSheet.id)).join(Assignment, Assignment.juror_id == User.id)
        .outerjoin(ScoreSheet, (ScoreSheet.assignment_id == Assignment.id) & ScoreSheet.is_final.is_(True))
        .where(Assignment.round_id == rnd.id, Assignment.status == "active")
        .group_by(User.id).order_by(User.first_name, User.last_name, User.id)).all()
    nxt = (session.query(Round).filter(Round.competition_id == rnd.competition_id, Round.sequence > rnd.sequence)
           .order_by(Round.sequence).first())
    groups = {}
    several = len(group_rules.effective_groups(competition)) > 1
    for row in ranking.round_ranking(session, rnd):
        advanced = nxt is not None and row["current_round_id"] == nxt.id
        heading = f"{row['group_label']} – {row['category_label']}" if several else row["category_label"]
        groups.setdefault(heading, []).append({
            "rank": row["rank"], "title": row["title"], "unit": row["unit"], "score": idn.score(row["score"]),
            "sheets": row["sheets"], "note": "lolos ke tahap berikutnya" if advanced else ""})
    closed = idn.format_date(rnd.closed_at, tz)
    return {
        "meta": {"title": f"Berita Acara Hasil Penilaian {rnd.name} - {content.competition_full_name(competition)}",
                 "author": reg["head_title"], "description": f"Berita acara {rnd.name}"},
        "page": content.page(config), "draft": False, "region": reg, "place": reg["place"],
        "lambang_url": content.lambang_url(config), "tte_footer": None, "verify_url": None,
        "ba": {"number": number(config, rnd), "date_text": closed, "round": rnd.name, "sequence": rnd.sequence,
               "competition": content.competition_full_name(competition), "weight": idn.score(rnd.weight),
               "shortlist_size": rnd.shortlist_size, "next_round": nxt.name if nxt is not None else None,
               "normalize_z": rnd.normalize_z, "blind": rnd.blind},
        "criteria": [{"name": c.name, "description": c.description or "", "weight": idn.score(c.weight),
                      "share": _percent(c.weight / total_weight * 100), "max_score": idn.score(c.max_score)}
                     for c in criteria],
        "jurors": [{"name": _person(user), "sheets": int(sheets)} for user, sheets in jurors],
        "groups": list(groups.items()),
    }


def render(session, rnd, config):
    """The berita acara as PDF bytes (PDF/A-3u, unsigned: the jurors sign the printed record)."""
    ctx = context(session, rnd, config)
    return html_to_pdf(render_html("berita_acara.html", **ctx), lambang_path=config.get("SIKIPP_LAMBANG_PATH"),
                       variant="pdf/a-3u").pdf
