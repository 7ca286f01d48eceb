"""Awards created by the ``award`` transition."""
from decimal import Decimal

from app.models import Award, Unit


def create_award(session, innovation, title, prize_amount=None, rank=None, score=None):
    unit = session.get(Unit, innovation.unit_id)
    award = Award(innovation_id=innovation.id, title=title.strip(), rank=rank,
                  category=unit.kind if unit else None, score=score,
                  prize_amount=Decimal(str(prize_amount)) if prize_amount is not None else None)
    session.add(award)
    return award
