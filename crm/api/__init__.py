"""The JSON API under /api/v1: bearer tokens, the same permissions and services as the
pages, and an OpenAPI 3.1 document generated from the schemas that validate requests."""

from __future__ import annotations

import http
from typing import Any, ClassVar

from apispec import APISpec
from flask import Flask
from flask_smorest import Api
from flask_smorest.spec import openapi_cli
from flask_smorest.utils import prepare_response

PROBLEM_JSON = "application/problem+json"


class ProblemApi(Api):
    """flask-smorest, answering errors with the app's own problem documents."""

    # The document depends on the code alone: it is built once per process and shared by
    # every app the process makes (the test suite makes thousands; each build takes 30 ms).
    _document: ClassVar[APISpec | None] = None

    def _init_spec(self, **options: Any) -> None:
        if ProblemApi._document is None:
            super()._init_spec(**options)
            return
        self.spec = ProblemApi._document
        self._app.cli.add_command(openapi_cli)

    def register_blueprint(self, blp: Any, **options: Any) -> None:
        if ProblemApi._document is None:
            super().register_blueprint(blp, **options)
            ProblemApi._document = self.spec
            return
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        self.spec = ProblemApi._document

    def _register_error_handlers(self) -> None:
        # crm.errors answers every error under /api/ with application/problem+json; the
        # library's own handler would also take over the HTML pages' errors.
        return None

    def _register_responses(self) -> None:
        from crm.api.schemas import Problem

        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = Problem
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem document", "schema": Problem}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_api(app: Flask) -> None:
    from crm.api.views import bp
    from crm.extensions import csrf

    app.config.update(
        API_TITLE="Parliamentary advocacy CRM",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "States, chambers, representatives, stances, contacts, "
                "follow-ups, events, stages and risk. Authenticate with "
                "`Authorization: Bearer <token>`; create a token on your account page. "
                "Errors are application/problem+json documents."
            },
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api = ProblemApi(app)
    # Bearer tokens, not cookies, authenticate the API: CSRF does not apply to it.
    csrf.exempt(bp)
    api.register_blueprint(bp)
