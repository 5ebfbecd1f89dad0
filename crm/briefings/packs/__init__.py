"""What goes into each briefing pack, read in a fixed number of queries.

Each builder returns a plain object that the print templates (templates/pdf/) only lay
out: no template touches the database. Whether restricted content is shown is decided
here, once, by `may_see_restricted` for the reader the pack is made for.

`common.py` holds what the packs share (and the roster), `state.py` the state pack and
the full roster, `representative.py` the one-pager, `overview.py` the coordinators' overview.
"""

from crm.briefings.packs.common import ROSTER_CAP, Imprint, asks, imprint
from crm.briefings.packs.overview import OverviewPack, overview_pack
from crm.briefings.packs.representative import RepresentativePack, representative_pack
from crm.briefings.packs.state import RosterPack, StatePack, roster_pack, state_pack

__all__ = [
    "ROSTER_CAP",
    "Imprint",
    "OverviewPack",
    "RepresentativePack",
    "RosterPack",
    "StatePack",
    "asks",
    "imprint",
    "overview_pack",
    "representative_pack",
    "roster_pack",
    "state_pack",
]
