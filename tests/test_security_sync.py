"""Start-up permission sync is stable: views and APIs sharing a view menu do not fight over it."""
import logging

from app import sync_security


def test_sync_deletes_nothing_and_is_idempotent(app, caplog):
    with app.app_context():
        sm = app.appbuilder.sm

        def snapshot():
            return {(pv.permission.name, pv.view_menu.name) for pv in sm.session.query(sm.permissionview_model)}

        before = snapshot()
        with caplog.at_level(logging.WARNING, logger="flask_appbuilder"):
            sync_security(app.appbuilder)
        assert snapshot() == before
        assert not [r for r in caplog.records if "delete permission view" in r.getMessage()]
        # Both the screen's and the API's permissions of shared view menus survive.
        assert {("can_certificate", "Award"), ("can_read", "Award"), ("can_add", "Decree"),
                ("can_delete", "Decree"), ("menu_access", "Participation Overview")} <= before
