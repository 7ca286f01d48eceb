#!/usr/bin/env python
"""Cost of a workflow transition against a bare state UPDATE.

Creates the app on a temporary SQLite database (schema by the Alembic migrations), N rows, then times

  * N sequential ``Workflow.fire`` calls (each its own transaction: row read, role check, source check,
    conditional UPDATE of state+version, history INSERT, COMMIT), and
  * N plain ``UPDATE … SET state`` statements, each committed,

and prints both times and their ratio (target: ≤ 3× on SQLite).

    python bench/bench_transitions.py                 # toy workflow, N=1000
    python bench/bench_transitions.py --workflow innovation   # the real innovation "withdraw" (FAB permissions)
    python bench/bench_transitions.py --workflow innovation --door command  # through the command layer (audit row)
    python bench/bench_transitions.py --clock cpu     # this process's CPU time instead of wall time (a shared
                                                      # machine: the waits for the disk are left out)
    python bench/bench_transitions.py --profile       # cProfile of the engine fires (top 25 by cumulative time)
    python bench/bench_transitions.py --database postgresql+psycopg://postgres@127.0.0.1:5432/sikipp_bench
"""
import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import Column, Integer, String, text  # noqa: E402
from sqlalchemy.orm import declarative_base  # noqa: E402

from bench.common import make_app  # noqa: E402

BenchBase = declarative_base()  # off FAB's metadata: the toy table is not part of the schema


class BenchItem(BenchBase):
    __tablename__ = "bench_item"
    id = Column(Integer, primary_key=True)
    state = Column(String(16), nullable=False, default="open")
    version = Column(Integer, nullable=False, default=1)


def setup_toy(db, n):
    from workflows.engine import Transition, Workflow

    BenchBase.metadata.drop_all(db.engine)
    BenchBase.metadata.create_all(db.engine)
    db.session.execute(BenchItem.__table__.insert(), [{"state": "open", "version": 1} for _ in range(n)])
    db.session.commit()
    wf = Workflow("bench", states=("open", "closed"), initial="open",
                  transitions=[Transition("close", "open", "closed", roles=("Agent",))]).bind(BenchItem)
    user = SimpleNamespace(id=None, username="bench", roles=[SimpleNamespace(name="Agent")])
    ids = [i for (i,) in db.session.execute(text("SELECT id FROM bench_item ORDER BY id"))]
    return wf, user, ids, "bench_item", "open", "closed", "close"


def setup_innovation(db, n):
    """The real lifecycle: FAB permission check, ownership, history; ``withdraw`` has no guard."""
    import datetime

    from app.commands import users as user_commands
    from app.lifecycles import innovation_workflow
    from app.models import Competition, Innovation, Unit, User

    unit = Unit(code="BENCH", name="Dinas Bench", kind="opd")
    competition = Competition(name="Bench", year=2026,
                              submission_deadline=datetime.datetime(2099, 1, 1))
    db.session.add_all([unit, competition])
    db.session.commit()
    user_commands.add_user(db.session, username="bench_opd", password="Rahasia#2026kuat", role="OPD", unit_code="BENCH",
                   name="Bench", email="bench@example.test")
    user = db.session.query(User).filter_by(username="bench_opd").one()
    db.session.execute(Innovation.__table__.insert(), [
        {"competition_id": competition.id, "unit_id": unit.id, "title": f"Inovasi {i}", "state": "draft",
         "version": 1, "created_on": datetime.datetime.utcnow(), "changed_on": datetime.datetime.utcnow()}
        for i in range(n)])
    db.session.commit()
    ids = [i for (i,) in db.session.execute(text("SELECT id FROM innovation ORDER BY id"))]
    return innovation_workflow, user, ids, "innovation", "draft", "withdrawn", "withdraw"


def run(args):
    tmp = tempfile.mkdtemp(prefix="sikipp-bench-")
    database_url = args.database or "sqlite:///" + os.path.join(tmp, "bench.db")
    try:
        app = make_app(database_url, tmp)
        from app.extensions import db

        with app.app_context(), app.test_request_context():
            setup = setup_innovation if args.workflow == "innovation" else setup_toy
            wf, user, ids, table, initial, dest, trigger = setup(db, args.n)
            session = db.session
            if args.door == "command":
                # What the API and the screens run: the transition command (same transaction + audit row).
                from app.commands.transitions import fire as command_fire

                def fire(pk):
                    command_fire(user, wf, pk, trigger, session=session)
            else:
                def fire(pk):
                    wf.fire(session, pk, trigger, user)

            def reset():
                session.execute(text(f"UPDATE {table} SET state = :s, version = 1"), {"s": initial})
                session.execute(text("DELETE FROM workflow_history"))
                session.execute(text("DELETE FROM audit_log"))
                session.commit()

            # warm-up (imports, statement caches, first connection)
            fire(ids[0])
            session.execute(text(f"UPDATE {table} SET state = :s WHERE id = :id"), {"s": dest, "id": ids[1]})
            session.commit()

            clock = time.process_time if args.clock == "cpu" else time.perf_counter
            best_plain = best_engine = float("inf")
            for _ in range(args.repeat):
                reset()
                start = clock()
                for pk in ids:
                    session.execute(text(f"UPDATE {table} SET state = :s WHERE id = :id"), {"s": dest, "id": pk})
                    session.commit()
                best_plain = min(best_plain, clock() - start)

                reset()
                profiler = cProfile.Profile() if args.profile else None
                start = clock()
                if profiler:
                    profiler.enable()
                for pk in ids:
                    fire(pk)
                if profiler:
                    profiler.disable()
                best_engine = min(best_engine, clock() - start)
                fired = session.execute(text("SELECT count(*) FROM workflow_history")).scalar()
                moved = session.execute(text(f"SELECT count(*) FROM {table} WHERE state = :s"), {"s": dest}).scalar()
                assert fired == moved == len(ids), (fired, moved)

            n = len(ids)
            print(f"database: {db.engine.dialect.name} ({'file in ' + tmp if args.database is None else 'given'})")
            print(f"workflow: {args.workflow} ({trigger}) through the {args.door}, N={n}, best of {args.repeat}, "
                  f"{args.clock} time")
            print(f"plain UPDATE + COMMIT : {best_plain:8.3f} s  ({best_plain / n * 1e3:6.3f} ms each)")
            print(f"engine fire           : {best_engine:8.3f} s  ({best_engine / n * 1e3:6.3f} ms each)")
            ratio = best_engine / best_plain
            print(f"ratio engine / plain  : {ratio:8.2f}x  (target <= 3x on SQLite)")
            if profiler:
                pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(int(os.environ.get("BENCH_TOP", "25")))
            return ratio
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="rows and fires (default 1000)")
    parser.add_argument("--workflow", choices=("toy", "innovation"), default="toy")
    parser.add_argument("--door", choices=("engine", "command"), default="engine",
                        help="fire with the engine alone, or through the command layer (transaction + audit row)")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best time counts (default 1)")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine fires")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (the target) or this process's CPU time (steadier on a shared machine)")
    parser.add_argument("--database", help="a database URL instead of a temporary SQLite file (it is migrated "
                                           "and filled: use an empty database)")
    args = parser.parse_args(argv)
    ratio = run(args)
    return 0 if ratio <= 3 or args.database or args.clock == "cpu" else 1


if __name__ == "__main__":
    sys.exit(main())
