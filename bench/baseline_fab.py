"""The baseline of the benchmark suite: a bare Flask-AppBuilder 5.3 app over SIKIPP's ``innovation`` table.

No SIKIPP code is imported. The app maps the ``innovation``, ``unit`` and ``competition`` tables of the
database under test (the same rows SIKIPP serves) and exposes them through FAB's own classes only:

- ``ModelRestApi`` at ``/api/v1/innovation/`` (list, get-one; FAB's JWT login at ``/api/v1/security/login``);
- ``ModelView`` at ``/innovationview/list/`` and ``/innovationview/show/<pk>`` (FAB's form login and menu),

with the same list and show columns as SIKIPP's ``InnovationCrudApi`` and ``InnovationCrudView``, the same page
size and the same filters (``state``). Authentication and the permission checks are FAB's defaults
(``AUTH_DB``, one ``Admin`` user); FAB's own security tables live in a separate SQLite file (``security_url``),
so the database under test gets no bare-FAB users, roles or permissions.

    gunicorn -w 1 'bench.baseline_fab:create_app()'   # BENCH_DATABASE_URL, BENCH_SECURITY_URL in the environment
"""
import os

from flask import Flask
from flask_appbuilder import AppBuilder, ModelRestApi, ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

USERNAME = "bench_admin"
PASSWORD = "Bench#2026-bare-fab"

# The data tables are on their own metadata, routed by Flask-SQLAlchemy to the "data" bind (the database under
# test); FAB's security models stay on the default bind (the separate SQLite file).
Base = declarative_base()
Base.metadata.info["bind_key"] = "data"

SECTIONS = ["summary", "background", "novelty", "implementation", "significance", "adaptability", "resources",
            "sustainability"]


class Unit(Base):
    __tablename__ = "unit"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False)
    name = Column(String(200), nullable=False)

    def __str__(self):
        return self.name


class Competition(Base):
    __tablename__ = "competition"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)

    def __str__(self):
        return self.name


class Innovation(Base):
    __tablename__ = "innovation"
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id"), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    title = Column(String(200), nullable=False)
    summary = Column(Text)
    background = Column(Text)
    novelty = Column(Text)
    implementation = Column(Text)
    significance = Column(Text)
    adaptability = Column(Text)
    resources = Column(Text)
    sustainability = Column(Text)
    started_on = Column(Date)
    video_url = Column(String(500))
    sdg_goals = Column(JSON)
    state = Column(String(16), nullable=False)
    version = Column(Integer, nullable=False)
    current_round_id = Column(Integer)
    created_by_id = Column(Integer)
    created_on = Column(DateTime, nullable=False)
    changed_on = Column(DateTime, nullable=False)

    competition = relationship(Competition)
    unit = relationship(Unit)


class InnovationApi(ModelRestApi):
    resource_name = "innovation"
    datamodel = SQLAInterface(Innovation)
    list_columns = ["id", "competition_id", "unit_id", "title", "state", "started_on", "changed_on"]
    show_columns = ["id", "competition_id", "unit_id", "title", *SECTIONS, "started_on", "video_url", "sdg_goals",
                    "state", "current_round_id", "created_on", "changed_on"]
    search_columns = ["competition_id", "unit_id", "state", "title"]
    order_columns = ["id", "title", "state", "started_on", "changed_on", "competition_id", "unit_id"]


class InnovationView(ModelView):
    datamodel = SQLAInterface(Innovation)
    list_columns = ["title", "unit", "competition", "state", "changed_on"]
    show_columns = ["competition", "unit", "title", *SECTIONS, "started_on", "video_url", "sdg_goals", "state",
                    "created_on", "changed_on"]
    search_columns = ["title", "state", "competition", "unit"]


def create_app(database_url=None, security_url=None):
    """The bare app on ``database_url`` (SIKIPP's database) with FAB's security tables in ``security_url``."""
    database_url = database_url or os.environ["BENCH_DATABASE_URL"]
    security_url = security_url or os.environ["BENCH_SECURITY_URL"]
    app = Flask("baseline_fab")
    app.config.update(
        SECRET_KEY="bench-baseline-fab", SQLALCHEMY_DATABASE_URI=security_url,
        SQLALCHEMY_BINDS={"data": database_url}, AUTH_TYPE=1,  # AUTH_DB
        FAB_ADD_SECURITY_API=True, FAB_API_SWAGGER_UI=False, FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    db = get_sqla_class()()
    db.init_app(app)
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        appbuilder.add_view(InnovationView, "Innovations", category="Data")
        appbuilder.add_api(InnovationApi)
        sm = appbuilder.sm
        if sm.find_user(username=USERNAME) is None:
            sm.add_user(USERNAME, "Bench", "Admin", "bench@bare.invalid", sm.find_role("Admin"), PASSWORD)
    return app
