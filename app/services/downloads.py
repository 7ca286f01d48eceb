"""Which official documents a user may download, as links for the screens (the winning unit on its innovation and
results, the Sekretariat per award and on /documents/): the certificate rule is
:func:`app.services.access.may_see_award`, the files are served by the document API (app/api/documents.py)."""
from app.services import access
from app.services.documents import issuing


def certificate_link(session, user, award):
    """{"status": ready|pending|revoked|none, "url": …} for the award's piagam, or None when the user may not
    read it."""
    if award is None or not access.may_see_award(user, award):
        return None
    status, _found = issuing.certificate_status(session, award.id)
    return {"status": status, "url": f"/api/v1/award/{award.id}/certificate" if status == "ready" else None}


def certificates_for(session, user, awards):
    """{award id: certificate_link} for the awards the user may read."""
    result = {}
    for award in awards:
        link = certificate_link(session, user, award)
        if link is not None:
            result[award.id] = link
    return result


def decree_winners(session, decree, user):
    """The winners a decree lists, as the signer and the Sekretariat review them: a draft lists the competition's
    awards as they stand now (what its PDF shows), a signed or revoked decree the awards it fixed; each with the
    piagam link the user may follow."""
    from app.services.documents import content

    award_ids = None
    if decree.state != "draft":
        doc = issuing.decree_document(session, decree.id)
        award_ids = issuing.manifest(doc)["award_ids"] if doc is not None else []
    rows = content.competition_awards(session, decree.competition_id, award_ids)
    return [{"award": award, "innovation": innovation, "unit": unit,
             "category": content.category_label(award.category or unit.kind),
             "certificate": certificate_link(session, user, award) if decree.state != "draft" else None}
            for award, innovation, unit in rows]
