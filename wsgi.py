"""Entry point for `flask --app wsgi` and `gunicorn wsgi:app`."""

from config import config_from_env
from crm import create_app

app = create_app(config_from_env())
