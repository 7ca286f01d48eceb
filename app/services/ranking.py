"""Aggregation and ranking of score sheets, computed by the database.

The rule itself (sheet score, round score with the z-score option, round ranking, final ranking) is written
once in :mod:`app.services.scoring` — its docstring states it — with the Python version beside the SQL pieces
used here; tests/test_scoring_rule.py proves them equal. Every rank is distinct: 1 = best; ``tied`` marks
entries whose score equals another's in the same category. Scores are returned unrounded; ``score_display``
(2 decimals) is for screens only.

The whole computation of one round is ONE SQL statement (CTEs and window functions; SQLite ≥ 3.25 and
PostgreSQL): no Python loop over sheets. The combined ranking of several rounds (awards) combines the
per-round results, one query per round (see :func:`combined_ranking` and docs/architecture.md "Judging").
"""
from sqlalchemy import case, false, func, select

from app.models import Assignment, Criterion, Innovation, Round, Score, ScoreSheet, Unit
from app.services import groups, scoring
from app.services.scoring import TIE_DECIMALS  # noqa: F401  (re-exported: the ranking's tie precision)


def sheet_scores(round_id):
    """SELECT of (sheet_id, innovation_id, juror_id, raw) for every final sheet of an active assignment."""
    total_weight = select(func.sum(Criterion.weight)).where(Criterion.round_id == round_id).scalar_subquery()
    return (
        select(ScoreSheet.id.label("sheet_id"), Assignment.innovation_id.label("innovation_id"),
               Assignment.juror_id.label("juror_id"),
               scoring.sheet_score_sql(Criterion.weight, Score.value, Criterion.max_score, total_weight).label("raw"))
        .select_from(Score)
        .join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        # coalesce(): keeps the planner off the low-selectivity is_final index (it would read every final
        # sheet of every round): it starts from the round's assignments instead.
        .where(Assignment.round_id == round_id, Assignment.status == "active",
               func.coalesce(ScoreSheet.is_final, false()).is_(True), Criterion.round_id == round_id)
        .group_by(ScoreSheet.id, Assignment.innovation_id, Assignment.juror_id)
    )


def _sheet_values(round_id, normalize_z):
    """CTE of (innovation_id, value): the value each counted sheet contributes to the round score."""
    sheets = sheet_scores(round_id).cte(f"js_sheets_{round_id}")
    if not normalize_z:
        return select(sheets.c.innovation_id, sheets.c.raw.label("value")).cte(f"js_values_{round_id}")
    # Two passes (means, then variances of deviations): numerically stable, no nested window functions.
    means = select(
        sheets.c.innovation_id, sheets.c.raw,
        func.avg(sheets.c.raw).over(partition_by=sheets.c.juror_id).label("mu_j"),
        func.avg(sheets.c.raw).over().label("mu"),
        sheets.c.juror_id,
    ).cte(f"js_means_{round_id}")
    dev_j = means.c.raw - means.c.mu_j
    dev = means.c.raw - means.c.mu
    spreads = select(
        means.c.innovation_id, means.c.raw, means.c.mu_j, means.c.mu,
        func.avg(dev_j * dev_j).over(partition_by=means.c.juror_id).label("var_j"),
        func.avg(dev * dev).over().label("var"),
    ).cte(f"js_spreads_{round_id}")
    value = scoring.sheet_value_sql(spreads.c.raw, spreads.c.mu_j, spreads.c.var_j, spreads.c.mu, spreads.c.var)
    return select(spreads.c.innovation_id, value.label("value")).cte(f"js_values_{round_id}")


def _bucket_columns(rnd):
    """The ranking bucket as SQL (issue 12): (group, category) — the category is the innovation's thematic
    category when its competition lists categories, else the unit's kind (as before) — and their sort orders
    (the competition's order of groups and of categories)."""
    competition = rnd.competition
    categories = groups.ranking_categories(competition)
    category = func.coalesce(Innovation.category, Unit.kind) if groups.effective_categories(competition) else Unit.kind
    group_list = groups.effective_groups(competition)
    group_order = case({g: n for n, g in enumerate(group_list)}, value=Innovation.group, else_=len(group_list))
    category_order = case({c: n for n, c in enumerate(categories)}, value=category, else_=len(categories))
    return Innovation.group, category, group_order, category_order


def round_ranking_statement(rnd, normalize_z=None):
    """The one SELECT that scores and ranks round ``rnd`` (ranks per group × category)."""
    normalize_z = rnd.normalize_z if normalize_z is None else normalize_z
    values = _sheet_values(rnd.id, normalize_z)
    per = (select(values.c.innovation_id, func.avg(values.c.value).label("score"),
                  func.count().label("sheets"), func.min(values.c.value).label("low"))
           .group_by(values.c.innovation_id)).cte(f"js_innovations_{rnd.id}")
    score = scoring.clamp_sql(per.c.score)
    score_key = scoring.tie_key_sql(score)
    group, category, group_order, category_order = _bucket_columns(rnd)
    rank = func.row_number().over(
        partition_by=(group, category),
        order_by=(score_key.desc(), per.c.sheets.desc(), scoring.tie_key_sql(per.c.low).desc(), Innovation.id.asc()),
    )
    ties = func.count().over(partition_by=(group, category, score_key))
    ranked = (
        select(Innovation.id.label("innovation_id"), Innovation.title, Innovation.state,
               Innovation.current_round_id, Unit.id.label("unit_id"), Unit.name.label("unit"),
               group.label("group"), category.label("category"), group_order.label("group_order"),
               category_order.label("kind_order"), score.label("score"),
               per.c.sheets, per.c.low, rank.label("rank"), ties.label("ties"))
        .select_from(per)
        .join(Innovation, Innovation.id == per.c.innovation_id)
        .join(Unit, Unit.id == Innovation.unit_id)
    ).subquery(f"js_ranked_{rnd.id}")
    return select(ranked).order_by(ranked.c.group_order, ranked.c.group, ranked.c.kind_order, ranked.c.category,
                                   ranked.c.rank)


def round_scores_statement(rnd, normalize_z=None):
    """SELECT of (innovation_id, score): each scored innovation's round score (the ranking's own, unranked), for
    aggregates such as the dashboard's score bands."""
    normalize_z = rnd.normalize_z if normalize_z is None else normalize_z
    values = _sheet_values(rnd.id, normalize_z)
    per = (select(values.c.innovation_id, func.avg(values.c.value).label("score"))
           .group_by(values.c.innovation_id)).cte(f"js_scores_{rnd.id}")
    return select(per.c.innovation_id, scoring.clamp_sql(per.c.score).label("score"))


def _labels(row_group, row_category):
    return {"group": row_group, "group_label": groups.group_label(row_group), "category": row_category,
            "category_label": groups.category_label(row_category), "bucket": (row_group, row_category)}


def round_ranking_count(session, rnd):
    """How many innovations the round's ranking lists (those with a counted sheet): one COUNT, for paging."""
    sheets = sheet_scores(rnd.id).subquery()
    return session.execute(select(func.count(func.distinct(sheets.c.innovation_id)))).scalar() or 0


def round_ranking(session, rnd, normalize_z=None, page=None, page_size=None):
    """Ranking of one round: a list of dicts, by group, category, then rank (see the module docstring).
    ``bucket`` = (group, category): ranks are per bucket. One page of it (``page`` from 0, ``page_size`` rows;
    LIMIT/OFFSET on the ranked statement) when ``page_size`` is given."""
    statement = round_ranking_statement(rnd, normalize_z)
    if page_size is not None:
        statement = statement.limit(page_size).offset((page or 0) * page_size)
    rows = session.execute(statement).mappings()
    return [{
        "innovation_id": r["innovation_id"],
        "title": r["title"],
        "unit": r["unit"],
        "unit_id": r["unit_id"],
        **_labels(r["group"], r["category"]),
        "score": float(r["score"]),
        "score_display": round(float(r["score"]), 2),
        "rank": int(r["rank"]),
        "tied": int(r["ties"]) > 1,
        "sheets": int(r["sheets"]),
        "state": r["state"],
        "current_round_id": r["current_round_id"],
    } for r in rows]


def combined_ranking(session, rnd):
    """Final (award) ranking of a competition up to and including round ``rnd`` (per group × category).

    An innovation's combined score is the weighted mean of its round scores over the rounds (≤ ``rnd``)
    it was scored in (:func:`app.services.scoring.combined_score`); per category ordered by
    :func:`app.services.scoring.combined_order_key`: innovations that reached a later round first (``stage`` =
    sequence of the last round they were scored in), then combined score descending, then the score of the
    stage round, then the lower innovation id.
    """
    rounds = (session.query(Round).filter(Round.competition_id == rnd.competition_id,
                                          Round.sequence <= rnd.sequence)
              .order_by(Round.sequence).all())
    entries = {}
    for r in rounds:
        for row in round_ranking(session, r):
            entry = entries.setdefault(row["innovation_id"], {
                "innovation_id": row["innovation_id"], "title": row["title"], "unit": row["unit"],
                "unit_id": row["unit_id"], **_labels(row["group"], row["category"]),
                "state": row["state"], "rounds": [],
            })
            entry["rounds"].append({"round_id": r.id, "sequence": r.sequence, "name": r.name,
                                    "weight": r.weight, "score": row["score"], "rank": row["rank"]})
            entry["stage"] = r.sequence
            entry["stage_score"] = row["score"]
    by_bucket = {}
    for entry in entries.values():
        entry["score"] = scoring.combined_score((part["weight"], part["score"]) for part in entry["rounds"])
        entry["score_display"] = round(entry["score"], 2)
        by_bucket.setdefault(entry["bucket"], []).append(entry)
    result = []
    for bucket in sorted(by_bucket, key=groups.bucket_order(rnd.competition)):
        group = sorted(by_bucket[bucket], key=scoring.combined_order_key)
        counts = {}
        for e in group:
            counts[scoring.combined_tie_key(e)] = counts.get(scoring.combined_tie_key(e), 0) + 1
        for n, e in enumerate(group, start=1):
            e["rank"] = n
            e["tied"] = counts[scoring.combined_tie_key(e)] > 1
        result += group
    return result


def last_round(session, competition_id):
    return (session.query(Round).filter(Round.competition_id == competition_id)
            .order_by(Round.sequence.desc()).first())


def final_ranking(session, competition_id):
    """The competition's final ranking: :func:`combined_ranking` of its last round ([] without rounds)."""
    rnd = last_round(session, competition_id)
    return combined_ranking(session, rnd) if rnd is not None else []


def final_standing(session, innovation):
    """The innovation's entry in its competition's final ranking (score, rank, …), or None if never scored."""
    for entry in final_ranking(session, innovation.competition_id):
        if entry["innovation_id"] == innovation.id:
            return entry
    return None
