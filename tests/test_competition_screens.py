"""Competition screens: the deadline is entered and shown in local time, stored in UTC, and its change logged."""
import datetime

from app.extensions import db
from app.models import AuditLog, Competition, Round
from tests.conftest import PASSWORD


def _login(app, username="sekretariat"):
    client = app.test_client()
    client.post("/login/", data={"username": username, "password": PASSWORD})
    return client


def test_create_and_edit_keep_local_time(app):
    client = _login(app)
    r = client.post("/competitionview/add", data={
        "name": "KIPP Sidoarjo 2031", "year": "2031", "submission_deadline": "2031-07-31T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5"})
    assert r.status_code == 302
    with app.app_context():
        comp = db.session.query(Competition).filter_by(name="KIPP Sidoarjo 2031").one()
        assert comp.submission_deadline == datetime.datetime(2031, 7, 31, 16, 59)  # UTC
        assert [r.name for r in db.session.query(Round).filter_by(competition_id=comp.id).order_by(Round.sequence)] \
            == ["Penilaian Proposal", "Presentasi dan Wawancara", "Verifikasi Lapangan"]
        pk = comp.id
    form = client.get(f"/competitionview/edit/{pk}").get_data(as_text=True)
    assert 'value="2031-07-31T23:59' in form
    # Saving the form unchanged does not shift the deadline.
    r = client.post(f"/competitionview/edit/{pk}", data={
        "name": "KIPP Sidoarjo 2031", "year": "2031", "submission_deadline": "2031-07-31T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Competition, pk).submission_deadline == datetime.datetime(2031, 7, 31, 16, 59)
        assert db.session.query(AuditLog).filter_by(target_id=pk, action="deadline_changed").count() == 0
    # Extending it is logged with who did it.
    client.post(f"/competitionview/edit/{pk}", data={
        "name": "KIPP Sidoarjo 2031", "year": "2031", "submission_deadline": "2031-08-07T23:59",
        "min_implementation_years": "2", "max_attachment_mb": "5"})
    with app.app_context():
        log = db.session.query(AuditLog).filter_by(target_id=pk, action="deadline_changed").one()
        assert log.user_id is not None and "7 Agustus 2031 23:59 WIB" in log.detail
    assert "7 Agustus 2031 23:59 WIB" in client.get(f"/competitionview/show/{pk}").get_data(as_text=True)


def test_opd_cannot_add_competitions(app):
    client = _login(app, "opd_a")
    r = client.post("/competitionview/add", data={"name": "X", "year": "2031",
                                                  "submission_deadline": "2031-07-31T23:59"})
    assert r.status_code in (302, 403)
    with app.app_context():
        assert db.session.query(Competition).filter_by(name="X").count() == 0
