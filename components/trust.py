"""Trust policies of the roles AWS services assume for the stack."""

from __future__ import annotations

import json


def service_role_trust(service: str, account_id: str) -> str:
    """Only `service` acting for this account may assume the role (confused deputy)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )
