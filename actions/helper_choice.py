"""Which helper a request is about: named in the message ("remove Linda"), the only one there
is, or asked ("Which helper: Linda Chen or Tom?").

A choice is kept in the ``helper_link`` slot as "link:<id>" (a helper, active or waiting for the
customer's yes) or "invitation:<id>" (an invitation not accepted yet, which removing cancels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from rapidfuzz import fuzz
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import family, verified_customer_id
from actions.formatting import locale_of, names_list
from actions.slots import HELPER_CHOICE
from assistant.banking.payees import MATCH_THRESHOLD, words
from family.links.views import HelperInfo

LINK, INVITATION = "link", "invitation"
#: The forms that choose among open invitations too (removing one cancels it).
WITH_INVITATIONS = frozenset({"remove_helper_form"})


@dataclass(frozen=True)
class Candidate:
    """A helper or an open invitation the customer may mean."""

    key: str  # "link:3" or "invitation:7"
    name: str
    helper: Optional[HelperInfo] = None

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]

    @property
    def id(self) -> int:
        return int(self.key.partition(":")[2])


def candidates(customer_id: int, with_invitations: bool = False) -> List[Candidate]:
    """The customer's helpers (active or waiting for their yes), then open invitations."""
    service = family()
    found = [Candidate(f"{LINK}:{h.link_id}", h.name, h) for h in service.list_helpers(customer_id)]
    if with_invitations:
        found += [
            Candidate(f"{INVITATION}:{i.id}", i.helper_name)
            for i in service.list_invitations(customer_id)
        ]
    return found


def named_in(customer_id: int, said: str, pool: List[Candidate]) -> List[Candidate]:
    """The candidates ``said`` names: helpers as ``FamilyLinks.find_helpers`` finds them,
    invitations by a word of their name."""
    keys = {f"{LINK}:{h.link_id}" for h in family().find_helpers(customer_id, said)}
    heard = words(said)
    named = []
    for candidate in pool:
        if candidate.kind == LINK and candidate.key in keys:
            named.append(candidate)
        elif candidate.kind == INVITATION and _sounds_like(heard, candidate.name):
            named.append(candidate)
    return named


def _sounds_like(heard: List[str], name: str) -> bool:
    return any(fuzz.ratio(h, w) >= MATCH_THRESHOLD for h in heard for w in words(name))


def pick(customer_id: int, said: str, pool: List[Candidate]) -> Optional[Candidate]:
    """The one candidate ``said`` names, else the only one there is; None to ask."""
    named = named_in(customer_id, said, pool)
    if len(named) == 1:
        return named[0]
    if not named and len(pool) == 1:
        return pool[0]
    return None


def chosen(tracker: Tracker, pool: List[Candidate]) -> Optional[Candidate]:
    """The candidate the ``helper_link`` slot holds, if it is still one of ``pool``."""
    key = tracker.get_slot(HELPER_CHOICE)
    return next((c for c in pool if c.key == key), None)


def resolve(
    dispatcher: CollectingDispatcher,
    customer_id: int,
    said: str,
    pool: List[Candidate],
    locale: str,
) -> Optional[Candidate]:
    """The candidate an answer to "Which helper?" names; otherwise say why and return None."""
    named = named_in(customer_id, said, pool)
    if len(named) == 1:
        return named[0]
    if named:
        dispatcher.utter_message(
            response="utter_which_helper", choices=names_list((c.name for c in named), "or", locale)
        )
    else:
        dispatcher.utter_message(
            response="utter_helper_not_found",
            helper_names=names_list((c.name for c in pool), "standard", locale),
        )
    return None


def choice_values(candidate: Candidate) -> Dict[str, Any]:
    """The slots a choice sets: which one, and its name for the questions."""
    return {HELPER_CHOICE: candidate.key, "helper_name": candidate.name}


class ActionAskHelperLink(Action):
    """ "Which helper: Linda Chen or Tom?", with a button for each."""

    def name(self) -> str:
        return "action_ask_helper_link"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_ask_pin")
            return []
        pool = candidates(customer_id, tracker.active_loop_name in WITH_INVITATIONS)
        dispatcher.utter_message(
            response="utter_ask_helper_link",
            choices=names_list((c.name for c in pool), "or", locale_of(tracker)),
            buttons=[{"title": c.name, "payload": c.name} for c in pool],
        )
        return []
