"""Page images of the official documents for review (docs/documents/*.png), from the Sidoarjo demo data.

Builds a throwaway SQLite database under a temporary directory, loads the demo (app/cli/demo.py) and closes
every round of the demo competition a day apart (a shortcut for the pictures only: the demo leaves its later
rounds open, and a decree is drafted only once every round is closed, so the Menimbang cites one berita acara per
round). The decree then goes through the app's own doors as a user would: the draft command (readiness checked),
the paraf chain's initials and ``sign`` through the decree lifecycle (guards included), with a generated
"production" test pair (so the TTE footer shows; the development signer's notice is checked by
tests/test_documents_layout.py). It issues the certificates, renders the SALINAN and a berita acara, and writes PNG
pages with pdftoppm.

Usage: .venv/bin/python scripts/document_images.py [--out docs/documents] [--dpi 96] [--paper F4]
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def pages_with(pdf_path, needle):
    text = subprocess.run(["pdftotext", "-layout", pdf_path, "-"], capture_output=True, check=True).stdout.decode()
    return [i + 1 for i, page in enumerate(text.split("\f")) if needle in page]


def png(pdf_path, page, out, dpi):
    base = out[:-4]
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", pdf_path,
                    base], check=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "documents"))
    parser.add_argument("--dpi", type=int, default=96)
    parser.add_argument("--paper", default="F4")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="sikipp-doc-images-")
    os.environ["SIKIPP_INSTANCE_DIR"] = tmp

    from flask_migrate import upgrade

    from app import create_app, sync_security
    from app.cli.demo import load_demo
    from app.commands import certificates
    from app.commands.decrees import CreateDecreeDraft
    from app.commands.transitions import fire
    from app.extensions import db
    from app.lifecycles import decree_workflow
    from app.models import Award, Competition, Decree, Round, User
    from app.models.base import utcnow
    from app.services.documents import berita_acara, issuing
    from app.services.documents.signing import generate_pair

    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    generate_pair(key, cert, common_name="Bupati Sidoarjo (contoh)", organization="Pemerintah Kabupaten Sidoarjo")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/docs.db",
                      "SIKIPP_STORAGE_DIR": f"{tmp}/storage", "SIKIPP_JOBS_MODE": "manual",
                      "SIKIPP_SIGNING_KEY": key, "SIKIPP_SIGNING_CERT": cert, "SIKIPP_DOCUMENT_PAPER": args.paper,
                      "SIKIPP_BASE_URL": "https://sikipp.sidoarjokab.go.id"})
    os.makedirs(args.out, exist_ok=True)

    def _user_with_role(role_name):
        return next(u for u in db.session.query(User).order_by(User.id) if u.active and
                    any(r.name == role_name for r in u.roles))

    written = []
    with app.app_context():
        upgrade()
        sync_security(app.appbuilder)
        report = load_demo(db.session)
        db.session.commit()
        competition = db.session.get(Competition, report.competition_id)
        now = utcnow()
        rounds = (db.session.query(Round).filter(Round.competition_id == competition.id)
                  .order_by(Round.sequence).all())
        for i, rnd in enumerate(rounds):
            rnd.closed_at = rnd.closed_at or now - datetime.timedelta(days=len(rounds) - i)  # pictures only
        db.session.commit()
        decree_id = CreateDecreeDraft(_user_with_role("Sekretariat"), data={"competition_id": competition.id}).run().id
        for role in app.config["SIKIPP_DECREE_PARAF_CHAIN"]:  # the chain's initials, in order
            fire(_user_with_role(role), decree_workflow, decree_id, "paraf", data={})
        fire(_user_with_role("Penandatangan"), decree_workflow, decree_id, "sign", data={})
        decree = db.session.get(Decree, decree_id)
        doc = issuing.decree_document(db.session, decree_id)
        certificates.issue_missing(db.session, decree.id, app.config)
        decree = db.session.get(Decree, decree.id)
        signed = os.path.join(tmp, "keputusan.pdf")
        with open(signed, "wb") as fh:
            fh.write(issuing.stored_bytes(app.config, issuing.decree_document(db.session, decree.id)))
        salinan = os.path.join(tmp, "salinan.pdf")
        with open(salinan, "wb") as fh:
            fh.write(issuing.render_salinan(db.session, decree, app.config))
        first_award = (db.session.query(Award).filter(Award.id == issuing.manifest(doc)["award_ids"][0]).one())
        _status, cert_doc = issuing.certificate_status(db.session, first_award.id)
        piagam = os.path.join(tmp, "piagam.pdf")
        with open(piagam, "wb") as fh:
            fh.write(issuing.stored_bytes(app.config, cert_doc))
        first_round = (db.session.query(Round).filter(Round.competition_id == competition.id)
                       .order_by(Round.sequence).first())
        ba = os.path.join(tmp, "berita-acara.pdf")
        with open(ba, "wb") as fh:
            fh.write(berita_acara.render(db.session, first_round, app.config))
    annex = pages_with(signed, "LAMPIRAN")[0]
    written.append(png(signed, 1, os.path.join(args.out, "keputusan-halaman-1.png"), args.dpi))
    written.append(png(signed, 2, os.path.join(args.out, "keputusan-halaman-2.png"), args.dpi))
    written.append(png(signed, annex, os.path.join(args.out, "keputusan-lampiran.png"), args.dpi))
    written.append(png(salinan, 1, os.path.join(args.out, "salinan-halaman-1.png"), args.dpi))
    written.append(png(piagam, 1, os.path.join(args.out, "piagam.png"), args.dpi))
    written.append(png(ba, 1, os.path.join(args.out, "berita-acara.png"), args.dpi))
    for path in written:
        print(path)
    print("PDFs kept in", tmp)


if __name__ == "__main__":
    main()
