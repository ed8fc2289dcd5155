"""The security groups of the back-end tasks, made first so the database can name them."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

TASK_ROLES = ("api", "cron", "migrate")


@dataclass(frozen=True)
class TaskSecurityGroupsArgs:
    stack: str
    vpc_id: pulumi.Input[str]


class TaskSecurityGroups(pulumi.ComponentResource):
    """`tm:aws:TaskSecurityGroups`: one empty group per task role (api, cron, migrate).

    Rules are separate resources added by whoever owns the other end: the database admits these
    groups on 5432, the load balancer reaches the API group, the back end adds the egress it needs.
    """

    groups: dict[str, aws.ec2.SecurityGroup]
    ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: TaskSecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tm:aws:TaskSecurityGroups", name, None, opts)
        self.groups = {
            role: aws.ec2.SecurityGroup(
                f"{name}-{role}",
                description=f"Tasking Manager {role} tasks",
                vpc_id=args.vpc_id,
                tags={"Name": f"tasking-manager-{args.stack}-{role}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for role in TASK_ROLES
        }
        self.ids = {role: group.id for role, group in self.groups.items()}
        self.register_outputs({f"{role}SecurityGroupId": group_id for role, group_id in self.ids.items()})
