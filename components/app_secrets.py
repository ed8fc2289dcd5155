"""The application's secrets: one Secrets Manager secret whose JSON keys the tasks read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.settings import APP_SECRET_NAMES


@dataclass(frozen=True)
class AppSecretsArgs:
    stack: str
    kms_key_arn: pulumi.Input[str]
    # The values, only if the operator chose Pulumi secret config for them; otherwise the secret
    # is created empty and filled with `aws secretsmanager put-secret-value` (see the docs).
    values: pulumi.Input[Mapping[str, str]] | None = None


class AppSecrets(pulumi.ComponentResource):
    """`tm:aws:AppSecrets`.

    One secret with a JSON key per variable (TM_SECRET, the OAuth client, SMTP, Sentry, New Relic,
    image upload, ohsome) rather than ten secrets: a tenth of the price, one thing to rotate, one
    ARN for the execution role. Task definitions reference `<arn>:<KEY>::`.
    """

    secret: aws.secretsmanager.Secret
    version: aws.secretsmanager.SecretVersion | None
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tm:aws:AppSecrets", name, None, opts)
        self.secret = aws.secretsmanager.Secret(
            name,
            name=f"tasking-manager/{args.stack}/app",
            description="Tasking Manager application secrets, one JSON key per environment variable: "
            + ", ".join(APP_SECRET_NAMES),
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=7,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.version = None
        if args.values is not None:
            self.version = aws.secretsmanager.SecretVersion(
                name,
                secret_id=self.secret.id,
                secret_string=pulumi.Output.secret(args.values).apply(
                    lambda values: json.dumps(dict(values))
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.arn = self.secret.arn
        self.register_outputs({"arn": self.arn})

    def reference(self, key: str) -> pulumi.Output[str]:
        """What a task definition's `valueFrom` names for one key of the secret."""
        if key not in APP_SECRET_NAMES:
            raise ValueError(f"{key} is not one of the application secrets {APP_SECRET_NAMES}")
        return self.arn.apply(lambda arn: f"{arn}:{key}::")
