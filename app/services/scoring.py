"""The scoring rule (DESIGN §4), written once: a sheet's score, a round's score (z-score option) and the
final (combined) ranking, in Python and as the SQL pieces :mod:`app.services.ranking` assembles into its one
statement per round. tests/test_scoring_rule.py proves the SQL and the Python equal (hypothesis: random
rubrics, weights, decimal values, several jurors, z-score on and off); every other place (judging, awards,
demo, synth, exports, documents) calls this module or the ranking built from it.

Scoring rule
    sheet score    = Σ_c (weight_c × value_c / max_score_c) / Σ_c weight_c × 100      (c: the round's criteria;
                     a criterion without a value counts 0 — a final sheet has them all)
    round score    = mean of the innovation's sheet scores over its FINAL sheets of ACTIVE assignments
    z-score option (Round.normalize_z): each sheet score s of juror j becomes μ + σ × (s − μ_j) / σ_j
                     (μ_j, σ_j: mean and population deviation of juror j's sheets in the round, σ_j = 0 → z = 0;
                     μ, σ: those of all the round's sheets); the round score is the mean, clamped to 0..100.
    round ranking  per category: score ↓, then more sheets, then the higher lowest sheet, then the lower id.
    final ranking  (awards) per category: the later stage (last round scored in) first, then the combined score
                     Σ_r weight_r × score_r / Σ_r weight_r ↓, then the stage round's score ↓, then the lower id.
Scores equal to ``TIE_DECIMALS`` decimals are ties.

Also here: the workflow's ``score`` guard facts (current round, every sheet final).
"""
import math
import statistics

from flask_babel import gettext as _
from sqlalchemy import Float, Numeric, case, cast, func, literal

from app.models import Assignment, Round, ScoreSheet

TIE_DECIMALS = 6  # scores equal to this many decimals are ties (hides floating-point noise)
ZERO_VARIANCE = 1e-12


# -- the rule in Python ----------------------------------------------------------------------------------------

def tie_key(value):
    return round(value, TIE_DECIMALS)


def sheet_score(criteria, values):
    """``criteria``: the round's [(criterion_id, weight, max_score)]; ``values``: {criterion_id: value}."""
    criteria = list(criteria)
    total_weight = sum(weight for _id, weight, _max in criteria)
    contributions = sum(weight * float(values[cid]) / max_score for cid, weight, max_score in criteria
                        if values.get(cid) is not None)
    return contributions * 100.0 / total_weight


def clamp(value):
    return min(100.0, max(0.0, value))


def sheet_values(sheets, normalize_z):
    """``sheets``: counted sheets [(innovation_id, juror_id, raw sheet score)] of one round →
    [(innovation_id, value)]: the value each sheet contributes to its innovation's round score."""
    sheets = list(sheets)
    if not normalize_z or not sheets:
        return [(inn, raw) for inn, _juror, raw in sheets]
    everything = [raw for _inn, _juror, raw in sheets]
    mu, var = statistics.fmean(everything), statistics.pvariance(everything)
    sigma = math.sqrt(var) if var > ZERO_VARIANCE else 0.0
    by_juror = {}
    for _inn, juror, raw in sheets:
        by_juror.setdefault(juror, []).append(raw)
    stats = {juror: (statistics.fmean(v), statistics.pvariance(v)) for juror, v in by_juror.items()}

    def z(juror, raw):
        mu_j, var_j = stats[juror]
        return (raw - mu_j) / math.sqrt(var_j) if var_j > ZERO_VARIANCE else 0.0

    return [(inn, mu + sigma * z(juror, raw)) for inn, juror, raw in sheets]


def round_scores(sheets, normalize_z):
    """{innovation_id: {"score", "sheets", "low"}} of one round from its counted sheets (see sheet_values)."""
    per = {}
    for inn, value in sheet_values(sheets, normalize_z):
        per.setdefault(inn, []).append(value)
    return {inn: {"score": clamp(statistics.fmean(v)), "sheets": len(v), "low": min(v)} for inn, v in per.items()}


def round_order_key(entry):
    """Order within a category of one round (``entry``: innovation_id, score, sheets, low)."""
    return (-tie_key(entry["score"]), -entry["sheets"], -tie_key(entry["low"]), entry["innovation_id"])


def combined_score(parts):
    """The final score from [(round weight, round score)] of the rounds an innovation was scored in."""
    parts = list(parts)
    return sum(weight * score for weight, score in parts) / sum(weight for weight, _score in parts)


def combined_order_key(entry):
    """Order within a category of the final ranking (``entry``: stage, score, stage_score, innovation_id)."""
    return (-entry["stage"], -tie_key(entry["score"]), -tie_key(entry["stage_score"]), entry["innovation_id"])


def combined_tie_key(entry):
    return (entry["stage"], tie_key(entry["score"]))


# -- the same rule as SQL expressions (assembled by app.services.ranking) ------------------------------------

def sheet_score_sql(weight, value, max_score, total_weight):
    """Aggregate expression of a sheet's score over its score rows (grouped by sheet)."""
    return func.sum(weight * cast(value, Float) / max_score) * literal(100.0, Float) / total_weight


def sheet_value_sql(raw, mu_j, var_j, mu, var):
    """The z-score value of a sheet, from its juror's and the round's mean and population variance."""
    z = case((var_j > ZERO_VARIANCE, (raw - mu_j) / func.sqrt(var_j)), else_=literal(0.0, Float))
    sigma = case((var > ZERO_VARIANCE, func.sqrt(var)), else_=literal(0.0, Float))
    return mu + sigma * z


def clamp_sql(expr):
    return case((expr < 0, literal(0.0, Float)), (expr > 100, literal(100.0, Float)), else_=expr)


def tie_key_sql(expr):
    return func.round(cast(expr, Numeric(20, 10)), TIE_DECIMALS)


# -- the workflow's ``score`` guard -------------------------------------------------------------------------------

def current_round(session, innovation):
    if innovation.current_round_id is not None:
        return session.get(Round, innovation.current_round_id)
    return (session.query(Round).filter(Round.competition_id == innovation.competition_id)
            .order_by(Round.sequence).first())


def score_problem(session, innovation):
    """``score`` guard: every active assignment of the current round has a final sheet (at least one)."""
    rnd = current_round(session, innovation)
    if rnd is None:
        return _("The competition has no judging round.")
    base = session.query(Assignment).filter(Assignment.round_id == rnd.id, Assignment.innovation_id == innovation.id,
                                            Assignment.status == "active")
    total = base.count()
    if total == 0:
        return _("No juror is assigned to this innovation in round \"%(round)s\".", round=rnd.name)
    final = (base.join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
             .filter(ScoreSheet.is_final.is_(True)).with_entities(func.count(Assignment.id)).scalar())
    if final < total:
        return _("%(final)s of %(total)s score sheets of round \"%(round)s\" are final.",
                 final=final, total=total, round=rnd.name)
    return None
