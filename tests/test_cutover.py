"""Cut-over from HOT's running deployment: a first deploy on temporary host names touches none of
the live ones, and a stack takes over an existing DNS record only when told to."""

from __future__ import annotations

import json

from offline.engine import Plan
from tests.conftest import plan_for

LIVE = ("tasks.hotosm.org", "tasking-manager-production-api.hotosm.org")
TEMPORARY = {
    "tm:dns.frontendHost": "tasks-next.hotosm.org",
    "tm:dns.apiHost": "tasking-manager-next-api.hotosm.org",
    "tm:frontend.customDomain": False,
}


def api_record(plan: Plan) -> dict[str, object]:
    (record,) = [r for r in plan.of_type("aws:route53/record:Record") if r.inputs["type"] == "A"]
    return record.inputs


def test_the_api_record_never_overwrites_an_existing_one_by_default() -> None:
    assert api_record(plan_for("prod")).get("allowOverwrite") in (None, False)


def test_taking_over_the_live_record_is_a_deliberate_setting() -> None:
    plan = plan_for("prod", {"tm:dns.takeOverExistingRecords": True})
    assert api_record(plan)["allowOverwrite"] is True


def test_a_first_deploy_on_temporary_host_names_touches_no_live_name() -> None:
    plan = plan_for("prod", TEMPORARY)
    rendered = json.dumps([r.inputs for r in plan.resources], default=str) + json.dumps(
        plan.outputs, default=str
    )
    for host in LIVE:
        assert host not in rendered, host
    assert api_record(plan)["name"] == "tasking-manager-next-api.hotosm.org"
    assert plan.of_type("aws:amplify/domainAssociation:DomainAssociation") == []
    # The API accepts the temporary front end as its origin, and the front end calls that API.
    assert plan.outputs["apiUrl"] == "https://tasking-manager-next-api.hotosm.org"
    assert "https://tasks-next.hotosm.org" in rendered
