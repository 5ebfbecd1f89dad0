"""Checking a row's cells on their own, reading no record: a profile's values, contact
details, a seat's start date, each as the import writes it, or what is wrong with it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from crm.interchange.csv_import.read import CONTACT_COLUMNS, FALSE, PLAIN_EMAIL, TRUE
from crm.parliament.models import ContactKind
from crm.parliament.services import EARLIEST_DATE, LATEST_AHEAD, contact_value_said
from crm.said import Said


class _RowProblem(Exception):
    """What is wrong with a row, said when a page or the command line shows it."""

    def __init__(self, message: Said) -> None:
        super().__init__(str(message))
        self.message = message


def _split(value: str) -> list[str]:
    items: list[str] = []
    for item in re.split(r"[;,]", value):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


class _Cells:
    """The checks of a row's cells, for the checker (check.py): the day the file is checked
    on, and what was found of each e-mail domain, asked once a file."""

    on: date
    email_domains: dict[str, Said | None]

    def _profile(self, row: dict[str, str]) -> dict[str, Any]:
        profile: dict[str, Any] = {}
        for column in ("name", "sort_name", "given_name", "family_name", "gender"):
            if row.get(column):
                profile[column] = row[column]
        if row.get("do_not_contact_reason"):
            profile["do_not_contact_reason"] = row["do_not_contact_reason"]
        if row.get("influence"):
            value = row["influence"]
            if value not in {"1", "2", "3", "4", "5"}:
                raise _RowProblem(
                    Said.gettext(
                        "influence “%(value)s” is not a number from 1 to 5", value=value[:20]
                    )
                )
            profile["influence"] = int(value)
        for column, most in (("languages", 10), ("tags", 20)):
            if row.get(column):
                items = _split(row[column])
                if len(items) > most or any(len(item) > 40 for item in items):
                    raise _RowProblem(
                        Said.gettext(
                            "%(column)s: at most %(most)d, each at most %(length)d characters",
                            column=column,
                            most=most,
                            length=40,
                        )
                    )
                profile[column] = items
        if row.get("do_not_contact"):
            flag = row["do_not_contact"].lower()
            if flag not in TRUE | FALSE:
                raise _RowProblem(
                    Said.gettext("do_not_contact “%(value)s” is not yes or no", value=flag[:20])
                )
            profile["do_not_contact"] = flag in TRUE
        return profile

    def _contacts(self, row: dict[str, str]) -> list[tuple[ContactKind, str]]:
        contacts = []
        for column, kind in CONTACT_COLUMNS.items():
            for value in (v.strip() for v in row.get(column, "").split(";")):
                if not value:
                    continue
                problem = self._contact_problem(kind, value)
                if problem:
                    raise _RowProblem(
                        Said.gettext(
                            "%(column)s “%(value)s”: %(problem)s",
                            column=column,
                            value=value[:40],
                            problem=problem,
                        )
                    )
                contacts.append((kind, value))
        return contacts

    def _contact_problem(self, kind: ContactKind, value: str) -> Said | None:
        plain = PLAIN_EMAIL.fullmatch(value) if kind is ContactKind.EMAIL else None
        if plain is None or len(plain["local"]) > 64 or len(value) > 254:
            return contact_value_said(kind, value)
        domain = plain["domain"]
        if domain not in self.email_domains:
            self.email_domains[domain] = contact_value_said(kind, f"name@{domain}")
        return self.email_domains[domain]

    def _date(self, value: str) -> date | None:
        if not value:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise _RowProblem(
                Said.gettext(
                    "start_date “%(value)s” is not a date such as 2024-05-31", value=value[:20]
                )
            ) from None
        latest = self.on + LATEST_AHEAD
        if not EARLIEST_DATE <= parsed <= latest:
            raise _RowProblem(
                Said.gettext(
                    "start_date must be between %(earliest)s and %(latest)s",
                    earliest=EARLIEST_DATE,
                    latest=latest,
                )
            )
        return parsed
