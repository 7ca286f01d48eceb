"""Entry point: `python run.py` serves SIKIPP; gunicorn serves `run:app` in production."""
from app import create_app

app = create_app()
