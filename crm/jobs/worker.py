"""What `celery --app crm.jobs.worker:celery worker` and `… beat` load: the app as `wsgi.py` builds
it (CRM_ENV picks the configuration), and its Celery app with every task registered."""

from config import config_from_env
from crm import create_app

flask_app = create_app(config_from_env())
celery = flask_app.extensions["celery"]
