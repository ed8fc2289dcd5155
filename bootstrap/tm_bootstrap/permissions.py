"""Who may do what: the CI roles' trust and identity policies, the state bucket policy and the
permissions boundary of review apps' roles. Plain functions of plain values, so the tests read
them as AWS will.

How one role is kept from another environment, in layers:
- trust: each role is assumable only by the repository's workflow jobs of one GitHub environment
  (prod: `production`, which has required reviewers) or, for the read-only preview role, by
  pull-request jobs;
- state: each role reads and writes only its own stacks' objects in the state bucket (the bucket
  policy denies the rest to it by principal, whatever its identity policy says), and decrypts only
  its own environment's secrets key (one key per environment, so the encrypted stack configs
  committed to the repository stay unreadable to the other roles);
- resources: every resource the program makes carries an `Environment` tag (provider default
  tags); a role is denied any action on resources tagged with an environment it does not deploy
  and may not tag anything with one;
- the review role, which runs pull-request code, gets no service-wide wildcard: only the actions
  a review stack needs, on resources tagged `review` or named after review stacks, and the IAM
  roles it creates must carry the review permissions boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .baseline import baseline_arns
from .settings import ENVIRONMENTS, PROJECT, ROLE_PREFIX

OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"
BOUNDARY_NAME = f"{ROLE_PREFIX}-review-boundary"
REVIEW_ROLE_PREFIX = "pr-"
# The repository of GuardDuty's Fargate agent, in an account of AWS's per region.
GUARDDUTY_AGENT = "aws-guardduty-agent-fargate"
Document = dict[str, Any]


@dataclass(frozen=True)
class CiRole:
    """One role the workflows assume."""

    key: str  # prod, staging, dev, review, drift, preview
    environment_tag: str | None  # the Environment tag of what it deploys; None: deploys nothing
    github_environment: str | None  # None: pull-request jobs without an environment
    description: str
    writes_stacks: tuple[str, ...] = ()  # stack names or globs whose state it writes
    reads_stacks: tuple[str, ...] = ()  # whose state it only reads
    session_hours: int = 1
    protected_environments: tuple[str, ...] = ()  # Environment tags it must never touch
    # The stack whose release images it copies into its own repository (promotion), read-only.
    promotes_from: str | None = None
    # Other objects of the state bucket it reads and writes (keys, globs allowed).
    writes_objects: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{ROLE_PREFIX}-{self.key}"

    def subject(self, repository: str) -> str:
        """The OIDC `sub` claim GitHub puts in this role's tokens."""
        if self.github_environment is None:
            return f"repo:{repository}:pull_request"
        return f"repo:{repository}:environment:{self.github_environment}"


def review_slot_claims(review_base_stack: str) -> str:
    """The state bucket's objects that say which review app holds which slot of the base: written
    only if absent (S3 conditional writes), so two deployments never take the same slot."""
    return f"review-slots/{review_base_stack}/slot-*.json"


def base_stacks(review_base_stack: str) -> tuple[str, ...]:
    """The stacks with a network and database of their own, which the deploy workflow deploys."""
    return (review_base_stack, "staging", "prod")


def deploy_role(key: str, github_environment: str, promotes_from: str | None = None) -> CiRole:
    """A base stack's deploy role: that one stack, kept off every other environment."""
    return CiRole(
        key,
        key,
        github_environment,
        f"Deploys the {key} stack from the deploy workflow (GitHub environment {github_environment})",
        writes_stacks=(key,),
        session_hours=2,
        protected_environments=tuple(e for e in ENVIRONMENTS if e != key),
        promotes_from=promotes_from,
    )


def ci_roles(review_base_stack: str) -> list[CiRole]:
    return [
        # prod and staging run the images dev built, copied by digest.
        deploy_role("prod", "production", promotes_from="dev"),
        deploy_role("staging", "staging", promotes_from="dev"),
        deploy_role("dev", "dev"),
        CiRole(
            "review",
            "review",
            "review",
            "Deploys and destroys review-pr-<N> stacks (GitHub environment review)",
            writes_stacks=("review-pr-*",),
            reads_stacks=(review_base_stack,),
            protected_environments=("prod", "staging"),
            writes_objects=(review_slot_claims(review_base_stack),),
        ),
        CiRole(
            "drift",
            None,
            "drift",
            "Read-only: pulumi preview --refresh of dev, staging and prod on a schedule (drift workflow)",
            reads_stacks=base_stacks(review_base_stack),
            protected_environments=("review",),
        ),
        CiRole(
            "preview",
            None,
            None,
            "Read-only: pulumi preview of dev, staging and prod in pull requests",
            reads_stacks=base_stacks(review_base_stack),
            protected_environments=ENVIRONMENTS,
        ),
    ]


@dataclass(frozen=True)
class Account:
    """The ARNs the policies name, resolved once the bootstrap's resources exist."""

    account_id: str
    region: str
    bucket: str
    state_key_arn: str
    secrets_key_arns: dict[str, str]  # environment -> key ARN
    review_base_stack: str = "dev"
    partition: str = "aws"
    # The security baseline's key, when the baseline has one (bootstrap:security).
    security_key_arn: str | None = None

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket}"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    @property
    def boundary_arn(self) -> str:
        return self.arn("iam", f"policy/{BOUNDARY_NAME}", regional=False)


def _document(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- trust -------------------------------------------------------------------------------------
def trust_policy(role: CiRole, repository: str, oidc_provider_arn: str) -> Document:
    """Only GitHub's OIDC tokens for this repository and this role's environment, exactly."""
    return _document(
        {
            "Sid": "GitHubActionsOfThisRepositoryAndEnvironment",
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{OIDC_HOST}:aud": OIDC_AUDIENCE,
                    f"{OIDC_HOST}:sub": role.subject(repository),
                }
            },
        }
    )


# -- state -------------------------------------------------------------------------------------
def state_objects(bucket_arn: str, stack: str) -> list[str]:
    """The objects the Pulumi S3 backend keeps for one stack (or a glob of stacks) of the project."""
    base = f"{bucket_arn}/.pulumi"
    return [
        f"{base}/stacks/{PROJECT}/{stack}.json*",
        f"{base}/history/{PROJECT}/{stack}/*",
        f"{base}/backups/{PROJECT}/{stack}/*",
        f"{base}/locks/{PROJECT}/{stack}/*",
    ]


def readable_objects(role: CiRole, bucket_arn: str) -> list[str]:
    return [f"{bucket_arn}/.pulumi/meta.yaml", *_objects(role.reads_stacks, bucket_arn)]


def writable_objects(role: CiRole, bucket_arn: str) -> list[str]:
    return [
        *_objects(role.writes_stacks, bucket_arn),
        *(f"{bucket_arn}/{key}" for key in role.writes_objects),
    ]


def _objects(stacks: Iterable[str], bucket_arn: str) -> list[str]:
    return [arn for stack in stacks for arn in state_objects(bucket_arn, stack)]


OBJECT_READ = ["s3:GetObject", "s3:GetObjectVersion"]
OBJECT_WRITE = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]


def state_bucket_policy(account: Account, roles: Sequence[CiRole]) -> Document:
    """TLS only, and each CI role confined to its own stacks' objects whatever its identity
    policy allows (the deploy roles manage S3 buckets of their own stacks, so they hold s3:*)."""
    statements: list[Document] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [account.bucket_arn, f"{account.bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    for role in roles:
        principal = {
            "ArnEquals": {"aws:PrincipalArn": account.arn("iam", f"role/{role.name}", regional=False)}
        }
        title = role.key.capitalize()
        statements.append(
            {
                "Sid": f"{title}RoleOnlyItsOwnStacks",
                "Effect": "Deny",
                "Principal": "*",
                "Action": OBJECT_READ + OBJECT_WRITE,
                "NotResource": [
                    *readable_objects(role, account.bucket_arn),
                    *writable_objects(role, account.bucket_arn),
                ],
                "Condition": principal,
            }
        )
        statements.append(
            {
                "Sid": f"{title}RoleReadsOtherStacksOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": OBJECT_WRITE,
                "Resource": readable_objects(role, account.bucket_arn),
                "Condition": principal,
            }
        )
    return _document(*statements)


def _state_access(role: CiRole, account: Account) -> list[Document]:
    s3_via = {"StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}}
    statements: list[Document] = [
        {
            "Sid": "FindStacks",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": account.bucket_arn,
        },
        {
            "Sid": "ReadState",
            "Effect": "Allow",
            "Action": OBJECT_READ,
            "Resource": readable_objects(role, account.bucket_arn)
            + writable_objects(role, account.bucket_arn),
        },
        {
            "Sid": "StateIsEncryptedWithTheStateKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if role.writes_stacks else ["kms:Decrypt"],
            "Resource": account.state_key_arn,
            "Condition": s3_via,
        },
    ]
    if role.writes_stacks:
        statements.insert(
            2,
            {
                "Sid": "WriteOwnState",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": writable_objects(role, account.bucket_arn),
            },
        )
    own_key = account.secrets_key_arns.get(role.environment_tag or "")
    if own_key:
        statements.append(
            {
                "Sid": "EncryptOwnStackSecrets",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                "Resource": own_key,
            }
        )
    readable = [account.secrets_key_arns[_environment_of(s)] for s in role.reads_stacks]
    if readable:
        statements.append(
            {
                # A StackReference or a preview decrypts the other stack's secrets provider key.
                "Sid": "DecryptReadStacksSecrets",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": sorted(set(readable)),
            }
        )
    return statements


def _environment_of(stack: str) -> str:
    if stack in ("prod", "staging"):
        return stack
    return "review" if stack.startswith("review-pr-") else "dev"


# What copying an image out of a repository takes (and no more).
PROMOTION_PULL = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
]


def release_repository_arn(account: Account, stack: str) -> str:
    """A base stack's release image repository (components/container_registry.py names it)."""
    return account.arn("ecr", f"repository/{PROJECT}/{stack}/backend")


# -- guard rails every role carries ------------------------------------------------------------
def guard_rails(role: CiRole, account: Account) -> list[Document]:
    """Explicit denies: other environments' resources, the bootstrap itself, other keys."""
    own = role.environment_tag
    keys_in_use = {account.secrets_key_arns[own]} if own in account.secrets_key_arns else set()
    keys_in_use |= {account.secrets_key_arns[_environment_of(s)] for s in role.reads_stacks}
    other_keys = sorted(set(account.secrets_key_arns.values()) - keys_in_use)
    other_environments = {"StringEquals": {"aws:ResourceTag/Environment": list(role.protected_environments)}}
    # The one exception: reading the images it promotes, from that stack's release repository.
    source = release_repository_arn(account, role.promotes_from) if role.promotes_from else None
    statements: list[Document] = [
        {
            "Sid": "NeverTouchOtherEnvironments",
            "Effect": "Deny",
            "Action": "*",
            **({"NotResource": source} if source else {"Resource": "*"}),
            "Condition": other_environments,
        },
        {
            "Sid": "NeverTagForAnotherEnvironment",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestTag/Environment": own or "none"},
                "Null": {"aws:RequestTag/Environment": "false"},
            },
        },
        {
            "Sid": "NeverChangeTheBootstrapIdentities",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": [
                account.arn("iam", f"role/{ROLE_PREFIX}-*", regional=False),
                account.arn("iam", f"policy/{ROLE_PREFIX}-*", regional=False),
                account.arn("iam", f"oidc-provider/{OIDC_HOST}", regional=False),
            ],
        },
        {
            "Sid": "NeverReconfigureTheStateBucket",
            "Effect": "Deny",
            "NotAction": ["s3:ListBucket", "s3:GetBucketLocation", *OBJECT_READ, *OBJECT_WRITE],
            "Resource": [account.bucket_arn, f"{account.bucket_arn}/*"],
        },
        {
            "Sid": "OnlyUseTheBootstrapKeys",
            "Effect": "Deny",
            "NotAction": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": sorted({account.state_key_arn, *account.secrets_key_arns.values()}),
        },
    ]
    statements += [
        {
            # The deploy roles hold s3:*, logs:*, sns:*, events:* and cloudwatch:*, and use keys by
            # tag: none of it may blind the account's audit trail or silence its findings.
            "Sid": "NeverTouchTheSecurityBaseline",
            "Effect": "Deny",
            "Action": "*",
            "Resource": [
                *baseline_arns(account.account_id, account.region, account.partition),
                *([account.security_key_arn] if account.security_key_arn else []),
            ],
        },
        {
            # GuardDuty leaves clusters tagged GuardDutyManaged=false without runtime monitoring.
            "Sid": "NeverOptOutOfRuntimeMonitoring",
            "Effect": "Deny",
            "Action": ["ecs:TagResource", "ecs:CreateCluster"],
            "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["GuardDutyManaged"]}},
        },
    ]
    statements.append(
        {
            # The state key encrypts objects; used directly it would open the bootstrap's own state.
            "Sid": "StateKeyOnlyThroughS3",
            "Effect": "Deny",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": account.state_key_arn,
            "Condition": {"StringNotEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}},
        }
    )
    if source:
        statements.insert(
            1,
            {
                "Sid": "OnlyPullFromThePromotionSource",
                "Effect": "Deny",
                "NotAction": PROMOTION_PULL,
                "Resource": source,
                "Condition": other_environments,
            },
        )
    if other_keys:
        statements.append(
            {
                "Sid": "NeverUseOtherEnvironmentsKeys",
                "Effect": "Deny",
                "Action": "kms:*",
                "Resource": other_keys,
            }
        )
    return statements


# -- what each role does -----------------------------------------------------------------------
# The AWS services the main program's components declare resources in (components/*.py).
STACK_SERVICES = (
    "acm",
    "amplify",
    "application-autoscaling",
    "backup",
    "backup-storage",
    "budgets",
    "chatbot",
    "cloudwatch",
    "ec2",
    "ecr",
    "ecs",
    "elasticloadbalancing",
    "events",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "scheduler",
    "secretsmanager",
    "sns",
    "wafv2",
)
# Services whose roles the program passes, and whose service-linked roles a first deploy creates.
PASSED_TO = (
    "ecs-tasks.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "backup.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
    "chatbot.amazonaws.com",
    "scheduler.amazonaws.com",
)
SERVICE_LINKED = (
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "rds.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "backup.amazonaws.com",
    "management.chatbot.amazonaws.com",
)
# Services whose resources hold credentials: the deploy roles get them per environment only, and
# only the actions the program's resources need (offline/aws_permissions.json lists them).
KEYS_AND_SECRETS = ("kms", "secretsmanager")
KEY_LISTING = ["kms:ListAliases", "kms:ListResourceTags"]
ALIAS_ACTIONS = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
KEY_ACTIONS = [
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    # EBS with the stack's key: dev's NAT instance's root volume.
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
]
RDS_SECRET_ACTIONS = [
    "secretsmanager:CreateSecret",
    "secretsmanager:RotateSecret",
    "secretsmanager:TagResource",
]
SECRET_ACTIONS = [
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteResourcePolicy",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:GetSecretValue",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:PutSecretValue",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
    "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
]
ROLE_READS = [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRoleTags",
]


def deploy_statements(role: CiRole, account: Account) -> list[Document]:
    """dev, staging and prod: the whole stack's lifecycle, in the services the program uses. Service-wide
    actions are deliberate (the program creates, changes and deletes everything in them), except
    for keys and secrets, which hold credentials: those only of this environment (its tag, its
    `tasking-manager/<environment>/` secrets), never an RDS master secret's value. The other fences
    are the denies of guard_rails and the state bucket policy."""
    environment = role.environment_tag
    assert environment in ("dev", "staging", "prod"), role
    roles = account.arn("iam", "role/*", regional=False)
    tagged = {"StringEquals": {"aws:ResourceTag/Environment": environment}}
    return [
        {
            "Sid": "DeployTheStack",
            "Effect": "Allow",
            "Action": [f"{service}:*" for service in STACK_SERVICES if service not in KEYS_AND_SECRETS],
            "Resource": "*",
        },
        # Keys and secrets hold other environments' credentials: only this environment's.
        {
            # A new key has no tags yet: it is created with this environment's (and its policy).
            # Known gap: KMS cannot tell tagging a new key from tagging an existing untagged one,
            # so a deploy role could claim a customer-managed key of the account that carries no
            # Environment tag; the bootstrap's and the baseline's keys are denied outright, and
            # docs/operations/ci.md says to tag or separate any other key.
            "Sid": "CreateKeysOfThisEnvironment",
            "Effect": "Allow",
            "Action": ["kms:CreateKey", "kms:TagResource", "kms:PutKeyPolicy"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/Environment": environment}},
        },
        {"Sid": "ListAliasesAndKeyTags", "Effect": "Allow", "Action": KEY_LISTING, "Resource": "*"},
        image_parameter_statement(account),
        {
            "Sid": "KeysOfThisEnvironment",
            "Effect": "Allow",
            "Action": KEY_ACTIONS,
            "Resource": account.arn("kms", "key/*"),
            "Condition": tagged,
        },
        {
            # An alias change needs both the alias and its key; an alias carries no tags.
            "Sid": "AliasesOfThisEnvironment",
            "Effect": "Allow",
            "Action": ALIAS_ACTIONS,
            "Resource": [account.arn("kms", f"alias/{PROJECT}-{environment}*"), account.arn("kms", "key/*")],
            "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/Environment": environment}},
        },
        {
            # RDS creates and rotates the master login's secret with the deployer's permissions;
            # no CI role ever reads one (GetSecretValue is not granted on `rds!*`).
            "Sid": "RdsManagesItsMasterSecret",
            "Effect": "Allow",
            "Action": RDS_SECRET_ACTIONS,
            "Resource": account.arn("secretsmanager", "secret:rds!*"),
        },
        {
            "Sid": "SecretsOfThisEnvironment",
            "Effect": "Allow",
            "Action": SECRET_ACTIONS,
            "Resource": account.arn("secretsmanager", f"secret:{PROJECT}/{environment}/*"),
        },
        {"Sid": "ReadRoles", "Effect": "Allow", "Action": ROLE_READS, "Resource": roles},
        {
            "Sid": "CreateRolesOfThisEnvironment",
            "Effect": "Allow",
            "Action": ["iam:CreateRole", "iam:TagRole"],
            "Resource": roles,
            "Condition": {"StringEquals": {"aws:RequestTag/Environment": environment}},
        },
        {
            "Sid": "ManageRolesOfThisEnvironment",
            "Effect": "Allow",
            "Action": [
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                # A later change of a tag (tm:owner, say) sends only that tag.
                "iam:TagRole",
                "iam:UntagRole",
            ],
            "Resource": roles,
            "Condition": tagged,
        },
        {
            # Only AWS's service-role policies (RDS monitoring, AWS Backup), never e.g. admin.
            "Sid": "AttachOnlyServiceRolePolicies",
            "Effect": "Allow",
            "Action": "iam:AttachRolePolicy",
            "Resource": roles,
            "Condition": {
                **tagged,
                "ArnLike": {"iam:PolicyARN": f"arn:{account.partition}:iam::aws:policy/service-role/*"},
            },
        },
        {
            "Sid": "PassRolesOfThisEnvironmentToItsServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": roles,
            "Condition": {
                "StringEquals": {
                    "aws:ResourceTag/Environment": environment,
                    "iam:PassedToService": list(PASSED_TO),
                }
            },
        },
        {
            "Sid": "CreateServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": account.arn("iam", "role/aws-service-role/*", regional=False),
            "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED)}},
        },
    ]


def review_service_statements(account: Account) -> list[Document]:
    """review, part one: the image push, the routing, the ECS services and tasks of review
    stacks, on review resources or the base's named ones."""
    base = account.review_base_stack
    review = {"StringEquals": {"aws:ResourceTag/Environment": "review"}}
    create_review = {"StringEquals": {"aws:RequestTag/Environment": "review"}}
    cluster = account.arn("ecs", f"cluster/{PROJECT}-{base}")
    scalable_targets = account.arn("application-autoscaling", "scalable-target/*")
    return [
        {
            "Sid": "Describe",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTags",
                "ecs:DescribeTaskDefinition",
                "ecs:ListTagsForResource",
                "ecs:ListTasks",
                "logs:DescribeLogGroups",
            ],
            "Resource": "*",
        },
        {
            # ECS offers no resource-level permission for this: a deregistered revision keeps
            # running wherever it runs, so the worst case is a nuisance, not an outage.
            "Sid": "DeregisterTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:DeregisterTaskDefinition",
            "Resource": "*",
        },
        {
            "Sid": "PushReviewImagesToTheReviewRepository",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                # An image about to expire is deleted and pushed anew (push-image.sh --push-only).
                "ecr:BatchDeleteImage",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:DescribeImages",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            # The base's review-only repository: releases in its own repository stay out of reach.
            "Resource": account.arn("ecr", f"repository/{PROJECT}/{base}/review"),
        },
        {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "CreateReviewRouting",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:CreateTargetGroup",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:AddTags",
            ],
            "Resource": [
                account.arn("elasticloadbalancing", "targetgroup/*"),
                account.arn("elasticloadbalancing", "listener/*"),
                account.arn("elasticloadbalancing", "listener-rule/*"),
            ],
            "Condition": create_review,
        },
        {
            "Sid": "ManageReviewRouting",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:SetRulePriorities",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            "Resource": [
                account.arn("elasticloadbalancing", "targetgroup/*"),
                account.arn("elasticloadbalancing", "listener-rule/*"),
            ],
            "Condition": review,
        },
        {
            "Sid": "RegisterReviewTaskDefinitions",
            "Effect": "Allow",
            "Action": ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
            "Resource": "*",
            "Condition": create_review,
        },
        {
            "Sid": "CreateReviewServicesInTheBaseCluster",
            "Effect": "Allow",
            "Action": "ecs:CreateService",
            "Resource": "*",
            "Condition": {**create_review, "ArnEquals": {"ecs:cluster": cluster}},
        },
        {
            "Sid": "RunAndRolloutReviewTasksInTheBaseCluster",
            "Effect": "Allow",
            "Action": [
                "ecs:UpdateService",
                "ecs:DeleteService",
                "ecs:DescribeServices",
                "ecs:RunTask",
                "ecs:DescribeTasks",
            ],
            "Resource": "*",
            "Condition": {**review, "ArnEquals": {"ecs:cluster": cluster}},
        },
        {
            # A later deploy retags what it made: every deploy moves the ExpiresAt tag, and the
            # provider sends only the changed tags (NeverTagForAnotherEnvironment keeps
            # Environment itself fenced).
            "Sid": "RetagReviewTasks",
            "Effect": "Allow",
            "Action": ["ecs:TagResource", "ecs:UntagResource"],
            "Resource": "*",
            "Condition": review,
        },
        {
            # Off-hours: review apps' databases are in the base's instance, which sleeps at night;
            # scripts/review-database.sh starts it.
            "Sid": "StartTheBaseDatabase",
            "Effect": "Allow",
            "Action": ["rds:DescribeDBInstances", "rds:StartDBInstance"],
            "Resource": account.arn("rds", f"db:{PROJECT}-{base}"),
        },
        # Off-hours: a review app's scalable target and the scheduled actions that make it sleep.
        {
            "Sid": "DescribeScaling",
            "Effect": "Allow",
            "Action": [
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:DescribeScheduledActions",
            ],
            "Resource": "*",
        },
        {
            "Sid": "CreateReviewScalableTargets",
            "Effect": "Allow",
            "Action": [
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:TagResource",
            ],
            "Resource": scalable_targets,
            "Condition": create_review,
        },
        {
            "Sid": "ManageReviewScaling",
            "Effect": "Allow",
            "Action": [
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:DeregisterScalableTarget",
                "application-autoscaling:PutScheduledAction",
                "application-autoscaling:DeleteScheduledAction",
                "application-autoscaling:ListTagsForResource",
                "application-autoscaling:TagResource",
                "application-autoscaling:UntagResource",
            ],
            "Resource": scalable_targets,
            "Condition": review,
        },
        {
            # The base's trusted database-admin task (a pinned PostgreSQL client, not PR code).
            "Sid": "RunTheBaseDatabaseAdminTask",
            "Effect": "Allow",
            "Action": ["ecs:RunTask", "ecs:DescribeTasks"],
            "Resource": [
                account.arn("ecs", f"task-definition/{PROJECT}-{base}-review-db-admin:*"),
                account.arn("ecs", f"task/{PROJECT}-{base}/*"),
            ],
            "Condition": {"ArnEquals": {"ecs:cluster": cluster}},
        },
        {
            "Sid": "PassTheBaseDatabaseAdminRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": account.arn("iam", f"role/{PROJECT}-{base}-review-db-admin-*", regional=False),
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]


def review_identity_and_data_statements(account: Account) -> list[Document]:
    """review, part two: the roles (inside the review boundary), log groups and secrets of review
    stacks, and the deployments of their front ends to the base's review slots."""
    base = account.review_base_stack
    review = {"StringEquals": {"aws:ResourceTag/Environment": "review"}}
    # A review stack's roles are named after its component, `pr-<N>-...` (components/review_app.py).
    review_roles = account.arn("iam", f"role/{REVIEW_ROLE_PREFIX}*", regional=False)
    return [
        {
            "Sid": "ReadRoles",
            "Effect": "Allow",
            "Action": ROLE_READS,
            "Resource": account.arn("iam", "role/*", regional=False),
        },
        {
            # Review code runs under these roles: the boundary caps whatever policy they get.
            "Sid": "CreateReviewRolesWithinTheBoundary",
            "Effect": "Allow",
            "Action": "iam:CreateRole",
            "Resource": review_roles,
            "Condition": {
                "ArnEquals": {"iam:PermissionsBoundary": account.boundary_arn},
                "StringEquals": {"aws:RequestTag/Environment": "review"},
            },
        },
        {
            # CreateRole with tags (the provider's default tags) is also authorised as TagRole,
            # whose request carries no boundary: the role name pattern fences it instead.
            "Sid": "TagReviewRolesAsTheyAreCreated",
            "Effect": "Allow",
            "Action": "iam:TagRole",
            "Resource": review_roles,
            "Condition": {"StringEquals": {"aws:RequestTag/Environment": "review"}},
        },
        {
            "Sid": "WriteReviewRolePoliciesWithinTheBoundary",
            "Effect": "Allow",
            "Action": ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
            "Resource": review_roles,
            "Condition": {
                "ArnEquals": {"iam:PermissionsBoundary": account.boundary_arn},
                "StringEquals": {"aws:ResourceTag/Environment": "review"},
            },
        },
        {
            "Sid": "ManageReviewRoles",
            "Effect": "Allow",
            "Action": [
                "iam:DeleteRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
            ],
            "Resource": review_roles,
            "Condition": review,
        },
        {
            "Sid": "PassReviewRolesToEcsTasks",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": review_roles,
            "Condition": {
                "StringEquals": {
                    "aws:ResourceTag/Environment": "review",
                    "iam:PassedToService": "ecs-tasks.amazonaws.com",
                }
            },
        },
        {
            "Sid": "ReviewLogGroups",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:AssociateKmsKey",
                "logs:DisassociateKmsKey",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:ListTagsForResource",
                "logs:ListTagsLogGroup",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
            ],
            "Resource": [
                account.arn("logs", f"log-group:/{PROJECT}/review-pr-*"),
                account.arn("logs", f"log-group:/{PROJECT}/review-pr-*:*"),
            ],
        },
        {
            "Sid": "ReviewSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:GetSecretValue",
                "secretsmanager:ListSecretVersionIds",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecret",
                "secretsmanager:UpdateSecretVersionStage",
                "secretsmanager:TagResource",
                "secretsmanager:UntagResource",
            ],
            "Resource": account.arn("secretsmanager", f"secret:{PROJECT}/review-pr-*"),
        },
        {
            # The deploy derives the review app's database password from the base's key; the
            # review app's own roles cannot read it (their boundary does not name it).
            "Sid": "ReadTheReviewDatabaseKey",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": account.arn("secretsmanager", f"secret:{PROJECT}/{base}/review-database-key-*"),
        },
        {
            # Review secrets and logs are encrypted with the base stack's key.
            "Sid": "UseTheBaseKeyThroughSecretsManager",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": account.arn("kms", "key/*"),
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com",
                    "aws:ResourceTag/Environment": _environment_of(account.review_base_stack),
                }
            },
        },
        {
            # CI deploys each review app's built front end to the slot branch it claimed, in the
            # base's app of review front ends (created after the bootstrap, so known by branch name
            # only: no other app of the program has slot-* branches). Amplify's deployment actions
            # take no tag conditions.
            "Sid": "DeployReviewFrontEndsToSlots",
            "Effect": "Allow",
            "Action": ["amplify:CreateDeployment", "amplify:StartDeployment"],
            "Resource": account.arn("amplify", "apps/*/branches/slot-*"),
        },
        {
            "Sid": "FollowSlotDeployments",
            "Effect": "Allow",
            "Action": "amplify:GetJob",
            "Resource": account.arn("amplify", "apps/*/branches/slot-*/jobs/*"),
        },
        {
            "Sid": "ReadTheReviewFrontEndApp",
            "Effect": "Allow",
            "Action": "amplify:GetApp",
            "Resource": account.arn("amplify", "apps/*"),
        },
        {
            "Sid": "NeverLoosenTheBoundary",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"],
            "Resource": "*",
        },
    ]


AMAZON_LINUX_IMAGES = "/aws/service/ami-amazon-linux-latest/*"


def image_parameter_statement(account: Account) -> Document:
    """AWS's public parameters of the current Amazon Linux images (dev's NAT instance's image)."""
    return {
        "Sid": "ReadAmazonLinuxImageParameters",
        "Effect": "Allow",
        "Action": "ssm:GetParameter",
        # AWS owns them: their ARNs name no account ("*" matches the empty one).
        "Resource": f"arn:{account.partition}:ssm:{account.region}:*:parameter{AMAZON_LINUX_IMAGES}",
    }


def preview_statements(account: Account) -> list[Document]:
    """preview: what the program looks up while it runs (its data sources)."""
    return [
        image_parameter_statement(account),
        {
            "Sid": "DataSourcesOfTheProgram",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeRouteTables",
                "route53:GetHostedZone",
                "route53:ListHostedZones",
                "route53:ListHostedZonesByName",
                # aws.route53.get_zone reads the zone's tags too.
                "route53:ListTagsForResource",
            ],
            "Resource": "*",
        },
    ]


def drift_statements(account: Account) -> list[Document]:
    """drift: what `pulumi preview --refresh` reads of every resource of the base stacks (the
    services' Describe/Get/List actions), and the program's lookups. It changes nothing; it does
    read secret values, as refreshing a secret version must."""
    stacks = base_stacks(account.review_base_stack)
    return [
        {
            "Sid": "ReadEveryResourceOfTheStacks",
            "Effect": "Allow",
            "Action": sorted(
                {
                    f"{service}:{verb}*"
                    for service in STACK_SERVICES
                    if service != "secretsmanager"
                    for verb in ("Describe", "Get", "List")
                }
                | {f"iam:{verb}*" for verb in ("Get", "List")}
                | {"budgets:ViewBudget", "route53:ListTagsForResource"}
            ),
            "Resource": "*",
        },
        {
            # Secret values only of the stacks it checks, never every secret of the account.
            "Sid": "ReadTheStacksSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:GetSecretValue",
            ],
            "Resource": [account.arn("secretsmanager", f"secret:{PROJECT}/{stack}/*") for stack in stacks],
        },
        {
            # Secret versions are read back decrypted; only through Secrets Manager.
            "Sid": "DecryptSecretsThroughSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": account.arn("kms", "key/*"),
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com",
                    # The checked stacks' keys only.
                    "aws:ResourceTag/Environment": sorted({_environment_of(stack) for stack in stacks}),
                }
            },
        },
        *preview_statements(account),
    ]


def review_boundary(account: Account) -> Document:
    """The most a review app's execution and task roles can ever do, whatever policy they hold:
    pull review images, write their own logs, read their own secrets and the base's app secret."""
    base = account.review_base_stack
    return _document(
        {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "PullTheReviewImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": account.arn("ecr", f"repository/{PROJECT}/{base}/review"),
        },
        {
            # GuardDuty's runtime agent, a sidecar of every Fargate task, comes from its own
            # repository in an AWS account of the region; the task's execution role pulls it.
            "Sid": "PullTheGuardDutyAgent",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": f"arn:{account.partition}:ecr:{account.region}:*:repository/{GUARDDUTY_AGENT}",
        },
        {
            "Sid": "WriteReviewLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": account.arn("logs", f"log-group:/{PROJECT}/review-pr-*:*"),
        },
        {
            "Sid": "ReadReviewSecretsAndTheBaseAppSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [
                account.arn("secretsmanager", f"secret:{PROJECT}/review-pr-*"),
                account.arn("secretsmanager", f"secret:{PROJECT}/{base}/app-*"),
            ],
        },
        {
            "Sid": "DecryptThemThroughSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": account.arn("kms", "key/*"),
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com",
                    "aws:ResourceTag/Environment": _environment_of(account.review_base_stack),
                }
            },
        },
    )


def policy_parts(role: CiRole) -> tuple[str, ...]:
    """The suffixes of the role's managed policy names (`tasking-manager-ci-<key>-<suffix>`)."""
    work = {"review": ("services", "identities"), "preview": ("lookups",), "drift": ("reads",)}.get(
        role.key, ("deploy",)
    )
    return ("state", *work, "guard-rails")


def identity_policies(role: CiRole, account: Account) -> dict[str, Document]:
    """The role's customer managed policies, by the suffix of their names. Several small ones,
    not one inline policy: IAM allows 10,240 characters of inline policy per role but 6,144 per
    managed policy and 10 managed policies per role (offline/aws_limits.py)."""
    if role.key == "review":
        work = {
            "services": review_service_statements(account),
            "identities": review_identity_and_data_statements(account),
        }
    elif role.key == "preview":
        work = {"lookups": preview_statements(account)}
    elif role.key == "drift":
        work = {"reads": drift_statements(account)}
    else:
        work = {"deploy": deploy_statements(role, account)}
    parts = {"state": _state_access(role, account), **work, "guard-rails": guard_rails(role, account)}
    assert tuple(parts) == policy_parts(role), role.key
    return {suffix: _document(*statements) for suffix, statements in parts.items()}
