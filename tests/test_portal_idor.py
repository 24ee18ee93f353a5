"""A helper changing ids in portal addresses or forms (issue 9, "Bad input and safety"): another
customer's id, another customer's held payment under their own customer (and the reverse), a
permission they were not given, an id that does not exist. Every portal route and action answers
404, shows no data, records a "helper_denied" audit row and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

import pytest
from sqlalchemy import update

from assistant.bank import banking_service
from assistant.demo import RAVI_PHONE
from assistant.models import Customer
from family.links.permissions import PERMISSIONS
from family.portal.routes import router
from tests.portal_support import (
    NIECE,
    SON,
    HelperBrowser,
    audits,
    confirmed_helper,
    family,
    helper_browser,
    hold,
)
from tests.web_support import WebApp, visible_text

MISSING = 999_999
# Words of the other customer's data that must never show (and money of anyone's).
SECRETS = ("Ravi", "Green Valley", "$", "Tom", "Margaret", "310", "1,250", "8,400")


@dataclass
class World:
    web: WebApp
    browsers: Dict[str, HelperBrowser]
    helper_ids: Dict[str, int]
    ids: Dict[str, int]


@pytest.fixture
def world(web: WebApp) -> World:
    """Margaret with Linda (balance, alerts, approvals, calls; not payments) and Amy (only
    alerts), a payment of Margaret's waiting; Ravi with his own approving helper and a payment
    of his waiting."""
    margaret_id, ravi_id = web.customer_id(), web.customer_id(RAVI_PHONE)
    with web.sessions() as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == ravi_id).values(cosign_above_minor=5000)
        )
    confirmed_helper(web, ravi_id, "Nia", NIECE, set(PERMISSIONS))
    amy = confirmed_helper(web, margaret_id, "Amy", SON)
    linda = helper_browser(web)
    linda.sign_in(web)
    margaret_hold = hold(web, margaret_id, "Tom", 300, "m1")
    ravi_hold = hold(web, ravi_id, "Green Valley Feed", 100, "r1")
    helpers = {info.name: info.helper_id for info in family(web).list_helpers(margaret_id)}
    return World(
        web,
        {"linda": linda, "amy": amy},
        {"linda": helpers["Linda Chen"], "amy": helpers["Amy"]},
        {
            "margaret": margaret_id,
            "ravi": ravi_id,
            "mhold": margaret_hold.id,
            "rhold": ravi_hold.id,
            "missing": MISSING,
        },
    )


C = "/helper/customers/{%s}"
CASES = [
    # another customer's id
    ("linda", "GET", C % "ravi" + "/balance"),
    ("linda", "GET", C % "ravi" + "/payments"),
    ("linda", "GET", C % "ravi" + "/alerts"),
    ("linda", "GET", C % "ravi" + "/approvals"),
    ("linda", "GET", C % "ravi" + "/approvals/{rhold}"),
    ("linda", "POST", C % "ravi" + "/approvals/{rhold}"),
    ("linda", "GET", C % "ravi" + "/leave"),
    ("linda", "POST", C % "ravi" + "/leave"),
    # another customer's payment under her own customer, and hers under another customer
    ("linda", "GET", C % "margaret" + "/approvals/{rhold}"),
    ("linda", "POST", C % "margaret" + "/approvals/{rhold}"),
    ("linda", "GET", C % "ravi" + "/approvals/{mhold}"),
    ("linda", "POST", C % "ravi" + "/approvals/{mhold}"),
    # a permission not granted
    ("linda", "GET", C % "margaret" + "/payments"),
    ("amy", "GET", C % "margaret" + "/balance"),
    ("amy", "GET", C % "margaret" + "/payments"),
    ("amy", "GET", C % "margaret" + "/approvals"),
    ("amy", "GET", C % "margaret" + "/approvals/{mhold}"),
    ("amy", "POST", C % "margaret" + "/approvals/{mhold}"),
    # ids that do not exist
    ("linda", "GET", C % "missing" + "/balance"),
    ("linda", "GET", C % "missing" + "/leave"),
    ("linda", "GET", C % "margaret" + "/approvals/{missing}"),
    ("linda", "POST", C % "margaret" + "/approvals/{missing}"),
]


def _form(path: str) -> Dict[str, str]:
    return {"decision": "approve", "note": "ok"} if "/approvals/" in path else {}


@pytest.mark.parametrize(("who", "method", "template"), CASES)
def test_a_changed_id_gets_404_no_data_an_audit_row_and_changes_nothing(
    world: World, who: str, method: str, template: str
) -> None:
    web, browser = world.web, world.browsers[who]
    path = template.format(**world.ids)
    denied_before = len(audits(web, "helper_denied"))
    if method == "GET":
        reply = browser.get(path)
    else:
        reply = browser.post(path, _form(path), token_from="/helper")
    assert reply.status_code == 404, path
    text = visible_text(reply.text[reply.text.index("<main") :])
    assert "Page not found" in text
    for secret in SECRETS:
        assert secret not in text, (path, secret)
    denied = audits(web, "helper_denied")[denied_before:]
    assert [event.actor for event in denied] == [f"helper:{world.helper_ids[who]}"], path

    bank = banking_service(web.sessions, web.settings)
    for key in ("mhold", "rhold"):
        assert bank.get_hold(world.ids[key]).status == "held"
    links = family(web)
    assert [c.name for c in links.customers_of(world.helper_ids["linda"])] == ["Margaret Chen"]
    assert [c.name for c in links.customers_of(world.helper_ids["amy"])] == ["Margaret Chen"]


def test_the_same_pages_with_the_right_ids_work(world: World) -> None:
    """The cases above fail for the ids, not the pages: Linda's own pages answer."""
    linda, ids = world.browsers["linda"], world.ids
    for template in ("/balance", "/alerts", "/approvals", "/approvals/{mhold}", "/leave"):
        path = (C % "margaret" + template).format(**ids)
        assert linda.get(path).status_code == 200, path
    assert world.browsers["amy"].get((C % "margaret" + "/alerts").format(**ids)).status_code == 200


def test_every_customer_route_of_the_portal_is_in_the_cases() -> None:
    """A new page about a customer must be added to CASES (each method, each route)."""
    routes = {
        (method, route.path.replace("{customer_id:int}", "C").replace("{hold_id:int}", "H"))
        for route in router.routes
        if "{customer_id" in route.path
        for method in route.methods
    }
    covered = {
        (
            method,
            template.replace("{ravi}", "C")
            .replace("{margaret}", "C")
            .replace("{missing}", "C", 1)
            .replace("{rhold}", "H")
            .replace("{mhold}", "H")
            .replace("{missing}", "H"),
        )
        for _, method, template in CASES
    }
    assert routes <= covered, routes - covered
