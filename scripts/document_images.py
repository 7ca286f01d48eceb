"""Page images of the official documents for review (docs/documents/*.png), from the Sidoarjo demo data.

Builds a throwaway SQLite database under a temporary directory, loads the demo (app/cli/demo.py), marks the
rounds that have final sheets as closed (a shortcut for the pictures only: the berita acara and the Menimbang
need closed rounds), drafts and signs the decree with a generated "production" test pair (so the TTE footer
shows; the development signer's notice is checked by tests/test_documents_layout.py), issues the certificates,
renders the SALINAN and a berita acara, and writes PNG pages with pdftoppm.

Usage: .venv/bin/python scripts/document_images.py [--out docs/documents] [--dpi 96] [--paper F4]
"""
import argparse
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
    from app.extensions import db
    from app.models import Award, Competition, Decree, Round, ScoreSheet
    from app.models.base import utcnow
    from app.models.judging import Assignment
    from app.services import decrees
    from app.services.documents import berita_acara, issuing
    from app.services.documents.signing import generate_pair

    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    generate_pair(key, cert, common_name="Bupati Sidoarjo (contoh)", organization="Pemerintah Kabupaten Sidoarjo")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/docs.db",
                      "SIKIPP_STORAGE_DIR": f"{tmp}/storage", "SIKIPP_JOBS_MODE": "manual",
                      "SIKIPP_SIGNING_KEY": key, "SIKIPP_SIGNING_CERT": cert, "SIKIPP_DOCUMENT_PAPER": args.paper,
                      "SIKIPP_BASE_URL": "https://sikipp.sidoarjokab.go.id"})
    os.makedirs(args.out, exist_ok=True)
    written = []
    with app.app_context():
        upgrade()
        sync_security(app.appbuilder)
        report = load_demo(db.session)
        db.session.commit()
        competition = db.session.get(Competition, report.competition_id)
        now = utcnow()
        with_sheets = {rid for (rid,) in db.session.query(Assignment.round_id).join(
            ScoreSheet, ScoreSheet.assignment_id == Assignment.id).filter(ScoreSheet.is_final.is_(True))}
        for rnd in db.session.query(Round).filter(Round.competition_id == competition.id):
            if rnd.id in with_sheets:
                rnd.closed_at = now  # pictures only (see the module docstring)
        db.session.commit()
        decree = Decree(competition_id=competition.id)
        decrees.prepare_draft(db.session, decree, app.config)
        db.session.add(decree)
        db.session.flush()
        decrees.assign_number(db.session, decree, app.config["SIKIPP_DECREE_NUMBER_PATTERN"], now,
                              app.config["SIKIPP_TIMEZONE"])
        decree.signed_at, decree.state = now, "signed"
        doc = issuing.sign_decree(db.session, decree, app.config, now)
        db.session.commit()
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
