"""One address per state page: the state's code as it is stored ("FR"). Another spelling
("fr") moves there for good, so that links, bookmarks and browser histories agree."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for

from crm.states.models import State
from crm.states.queries import get_state
from crm.web import found


def state_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view of a path with `<iso2>`: called with the state instead (404 when there is
    none), once the code is spelled as stored; any other spelling is redirected (301) to
    the same page without its query string."""

    @functools.wraps(view)
    def of_state(iso2: str, **kwargs: Any) -> Any:
        state: State = found(get_state(iso2))
        if iso2 != state.iso2:
            return redirect(url_for(request.endpoint, iso2=state.iso2, **kwargs), 301)
        return view(state, **kwargs)

    return of_state
