"""Shared set-up of the benchmarks: an app on a given database, built by the real migrations."""
import os


def make_app(database_url, tmp):
    from flask_migrate import upgrade

    from app import create_app, sync_security

    app = create_app({
        "TESTING": True,  # development SECRET_KEY accepted; nothing else changes
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SIKIPP_STORAGE_DIR": os.path.join(tmp, "storage"),
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        upgrade()
        sync_security(app.appbuilder)
    return app
