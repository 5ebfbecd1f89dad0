"""`flask --app wsgi crm …`: the command group, assembled from each feature's `cli.py`
(thin wrappers over the services; what they share is in `crm/cli_support.py`)."""

from __future__ import annotations

from flask.cli import AppGroup

from crm import submissions_cli
from crm.auth import cli as auth_cli
from crm.backup import cli as backup_cli
from crm.briefings import cli as briefings_cli
from crm.demo import cli as demo_cli
from crm.interchange import cli as interchange_cli
from crm.mail import cli as mail_cli
from crm.risk import cli as risk_cli

crm_cli = AppGroup("crm", help="Campaign CRM commands.")

for feature in (
    auth_cli,
    risk_cli,
    briefings_cli,
    interchange_cli,
    mail_cli,
    backup_cli,
    demo_cli,
    submissions_cli,
):
    for command in feature.COMMANDS:
        crm_cli.add_command(command)
