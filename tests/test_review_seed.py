"""The review data set (scripts/review-seed.sql), loaded by the database-admin task for real.

A review database is made the way the admin task's `create` makes it, the application's schema
(components/app_schema.sql, what its own migrations leave, recorded by `make app-schema`) is loaded
by the review app's own login the way its migrations run, then the admin script's `seed` action runs
with `sh` and `psql`. What the seed writes is held to the application's enumerations as the
contract records them (components/app_contract.json), never to the seed's own literals.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.app_contract import CONTRACT
from components.app_spec import review_database_name
from components.review_app import database_password
from components.review_base import ADMIN_SCRIPT, SEED_PATH, review_seed
from offline import postgres
from offline.app_schema import SCHEMA_PATH, recorded_header
from offline.aws_limits import QUOTAS
from offline.postgres import Cluster
from tests.test_database_sql import REVIEW_KEY, admin_env, run_script

PULL_REQUEST = 7
NAME = review_database_name(PULL_REQUEST)
STATUS = {value: name for name, value in CONTRACT.enums["TaskStatus"].items()}
# What the data set claims: tasks in each state a mapper or validator leaves, none locked.
EXPECTED_STATES = {"READY": 38, "MAPPED": 18, "VALIDATED": 15, "INVALIDATED": 12, "BADIMAGERY": 10}


@dataclass(frozen=True)
class Seeded:
    cluster: Cluster
    before_migrations: subprocess.CompletedProcess[str]
    tables_before_migrations: str
    first: subprocess.CompletedProcess[str]
    schema_seconds: float
    seed_seconds: float

    def query(self, sql: str) -> str:
        return self.cluster.query(sql, database=NAME)

    def rows(self, sql: str) -> list[list[str]]:
        return [line.split("|") for line in self.query(sql).splitlines()]


def seed(cluster: Cluster, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    result, _ = run_script(cluster, ADMIN_SCRIPT, admin_env(cluster, "seed", PULL_REQUEST), tmp_path)
    return result


@pytest.fixture(scope="module")
def seeded(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    tmp_path = tmp_path_factory.mktemp("seed")
    created, _ = run_script(cluster, ADMIN_SCRIPT, admin_env(cluster, "create", PULL_REQUEST), tmp_path)
    assert created.returncode == 0, created.stderr
    before_migrations = seed(cluster, tmp_path)
    tables = cluster.query(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'",
        database=NAME,
    )
    # The review app's migrate task runs as the review app's login: it owns what it creates.
    started = time.perf_counter()
    loaded = subprocess.run(
        [str(postgres.BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(SCHEMA_PATH)],
        env=cluster.env(NAME, database_password(REVIEW_KEY, NAME), NAME),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    schema_seconds = time.perf_counter() - started
    assert loaded.returncode == 0, loaded.stderr
    started = time.perf_counter()
    first = seed(cluster, tmp_path)
    seed_seconds = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    print(f"\nschema loaded in {schema_seconds:.2f} s, seeded in {seed_seconds:.2f} s")
    return Seeded(cluster, before_migrations, tables, first, schema_seconds, seed_seconds)


def test_the_seed_fails_clearly_before_the_migrations(seeded: Seeded) -> None:
    assert seeded.before_migrations.returncode != 0
    assert "no alembic_version table: run the application's migrations" in seeded.before_migrations.stderr
    assert seeded.tables_before_migrations == "0"


def test_tasks_are_in_every_state_the_data_set_claims(seeded: Seeded) -> None:
    counts = dict(seeded.rows("SELECT task_status, count(*) FROM tasks GROUP BY 1"))
    # Every status written is one the application defines (recorded from its source).
    assert set(map(int, counts)) <= set(STATUS)
    assert {STATUS[int(status)]: int(n) for status, n in counts.items()} == EXPECTED_STATES
    assert seeded.query("SELECT count(*) FROM tasks WHERE locked_by IS NOT NULL") == "0"
    assert seeded.query("SELECT count(*) FROM projects") == "4"


def test_each_task_is_a_valid_tile_inside_its_projects_area(seeded: Seeded) -> None:
    assert (
        seeded.query(
            "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id "
            "WHERE NOT ST_IsValid(t.geometry) OR NOT ST_CoveredBy(t.geometry, p.geometry) "
            # x, y and zoom name the web-mercator tile the task covers, as PostGIS defines tiles.
            "OR ST_HausdorffDistance(t.geometry, ST_Transform(ST_TileEnvelope(t.zoom, t.x, t.y), 4326)) "
            "   > 1e-9"
        )
        == "0"
    )
    # The tiles of a project do not overlap and fill its area; the areas are valid and centred.
    assert (
        seeded.query(
            "SELECT bool_and(ST_IsValid(p.geometry) AND ST_Intersects(p.centroid, p.geometry) "
            "  AND abs(ST_Area(p.geometry) "
            "          - (SELECT sum(ST_Area(geometry)) FROM tasks WHERE project_id = p.id)) "
            "      < 1e-9 * ST_Area(p.geometry)) "
            "FROM projects p"
        )
        == "t"
    )


def test_projects_are_published_mappable_and_found(seeded: Seeded) -> None:
    published, draft = CONTRACT.enums["ProjectStatus"]["PUBLISHED"], CONTRACT.enums["ProjectStatus"]["DRAFT"]
    assert seeded.query(f"SELECT count(*) FROM projects WHERE status = {published} AND NOT private") == "4"
    assert seeded.query(f"SELECT count(*) FROM projects WHERE status = {draft}") == "0"
    # The counters the application shows and filters on agree with the tasks, and every project
    # has tasks left to map (what its "to map" filter asks).
    mapped, validated, bad = (CONTRACT.enums["TaskStatus"][s] for s in ("MAPPED", "VALIDATED", "BADIMAGERY"))
    assert (
        seeded.query(
            "SELECT bool_and(total_tasks = t.total AND tasks_mapped = t.mapped "
            "  AND tasks_validated = t.validated AND tasks_bad_imagery = t.bad "
            "  AND tasks_mapped + tasks_validated < total_tasks - tasks_bad_imagery) "
            f"FROM projects p JOIN (SELECT project_id, count(*) AS total, "
            f"  count(*) FILTER (WHERE task_status = {mapped}) AS mapped, "
            f"  count(*) FILTER (WHERE task_status = {validated}) AS validated, "
            f"  count(*) FILTER (WHERE task_status = {bad}) AS bad FROM tasks GROUP BY 1) t "
            "ON t.project_id = p.id"
        )
        == "t"
    )
    for column, enum in (
        ("priority", "ProjectPriority"),
        ("difficulty", "ProjectDifficulty"),
        ("task_creation_mode", "TaskCreationMode"),
        ("mapping_permission", "MappingPermission"),
        ("validation_permission", "ValidationPermission"),
    ):
        values = {int(v) for v in seeded.query(f"SELECT DISTINCT {column} FROM projects").split()}
        assert values <= set(CONTRACT.enums[enum].values()), column
    types = {int(v) for v in seeded.query("SELECT DISTINCT unnest(mapping_types) FROM projects").split()}
    assert types <= set(CONTRACT.enums["MappingTypes"].values())
    # Each has its name in its default locale, and the migrations' trigger made it searchable.
    assert (
        seeded.query(
            "SELECT count(*) FROM projects p "
            "JOIN project_info i ON (i.project_id, i.locale) = (p.id, p.default_locale) "
            "WHERE i.name <> '' AND i.project_id_str = p.id::text"
        )
        == "4"
    )
    assert (
        seeded.query(
            "SELECT i.name FROM project_info i WHERE text_searchable @@ to_tsquery('english', 'kalimati')"
        )
        == "Kathmandu: buildings"
    )
    assert (
        seeded.query(
            "SELECT count(*) FROM campaign_projects cp JOIN campaign_organisations co USING (campaign_id) "
            "JOIN projects p ON (p.id, p.organisation_id) = (cp.project_id, co.organisation_id)"
        )
        == "3"
    )


def test_users_have_the_applications_roles(seeded: Seeded) -> None:
    roles = {int(r) for r in seeded.query("SELECT DISTINCT role FROM users").split()}
    assert roles <= set(CONTRACT.enums["UserRole"].values())
    admin = CONTRACT.enums["UserRole"]["ADMIN"]
    assert seeded.query(f"SELECT username FROM users WHERE role = {admin}") == "review-admin"
    assert (
        seeded.query(
            "SELECT u.username FROM organisation_managers m JOIN users u ON u.id = m.user_id "
            "JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'review-mappers'"
        )
        == "review-manager"
    )
    assert seeded.query("SELECT count(*) FROM users") == "7"
    # Validators may validate: their level is at least what the projects ask of validators.
    assert (
        seeded.query(
            "SELECT bool_and(l.ordering >= v.ordering) FROM tasks t JOIN users u ON u.id = t.validated_by "
            "JOIN mapping_levels l ON l.id = u.mapping_level JOIN projects p ON p.id = t.project_id "
            "JOIN mapping_levels v ON v.id = p.validation_permission_level_id"
        )
        == "t"
    )
    member = {int(v) for v in seeded.query("SELECT DISTINCT function FROM team_members").split()}
    assert member <= set(CONTRACT.enums["TeamMemberFunctions"].values())
    assert seeded.query("SELECT DISTINCT role FROM project_teams") == str(
        CONTRACT.enums["TeamRoles"]["VALIDATOR"]
    )


def test_the_history_leads_to_each_tasks_state(seeded: Seeded) -> None:
    actions = set(seeded.query("SELECT DISTINCT action FROM task_history").split())
    assert actions == {"LOCKED_FOR_MAPPING", "LOCKED_FOR_VALIDATION", "COMMENT", "STATE_CHANGE"}
    assert actions <= set(CONTRACT.enums["TaskAction"])
    # The last state change of every task that left READY names the state it is in.
    last = seeded.rows(
        "SELECT DISTINCT ON (t.project_id, t.id) t.task_status, h.action_text FROM tasks t "
        "JOIN task_history h ON (h.project_id, h.task_id) = (t.project_id, t.id) "
        "  AND h.action = 'STATE_CHANGE' "
        "ORDER BY t.project_id, t.id, h.action_date DESC"
    )
    assert len(last) == sum(EXPECTED_STATES.values()) - EXPECTED_STATES["READY"]
    assert all(STATUS[int(status)] == text for status, text in last)
    # Locks are over, each with its duration (the project statistics add them up).
    assert (
        seeded.query(
            "SELECT count(*) FROM task_history "
            "WHERE action LIKE 'LOCKED_FOR_%' AND action_text !~ '^\\d\\d:\\d\\d:\\d\\d$'"
        )
        == "0"
    )
    # Who did what: mapped_by for tasks mapped (validated or not) or reported, validated_by for
    # validated ones; an invalidation clears both and opens an invalidation record.
    by_state = {
        STATUS[int(status)]: (mapped, validated)
        for status, mapped, validated in seeded.rows(
            "SELECT DISTINCT task_status, mapped_by IS NOT NULL, validated_by IS NOT NULL FROM tasks"
        )
    }
    assert by_state == {
        "READY": ("f", "f"),
        "MAPPED": ("t", "f"),
        "VALIDATED": ("t", "t"),
        "INVALIDATED": ("f", "f"),
        "BADIMAGERY": ("t", "f"),
    }
    assert seeded.query(
        "SELECT count(*) FROM task_invalidation_history i "
        "JOIN task_history h ON h.id = i.invalidation_history_id "
        "WHERE NOT i.is_closed AND h.action_text = 'INVALIDATED' AND i.invalidator_id = h.user_id"
    ) == str(EXPECTED_STATES["INVALIDATED"])
    # Each user's counters are what the history says they did.
    assert (
        seeded.query(
            "SELECT bool_and(u.tasks_mapped = (SELECT count(*) FROM task_history WHERE user_id = u.id "
            "  AND action = 'STATE_CHANGE' AND action_text = 'MAPPED')) FROM users u"
        )
        == "t"
    )
    assert seeded.query("SELECT max(action_date) < now() AT TIME ZONE 'utc' FROM task_history") == "t"


def test_the_tables_belong_to_the_review_apps_role(seeded: Seeded) -> None:
    assert (
        seeded.query(
            "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
        )
        == NAME
    )


def snapshot(seeded: Seeded) -> str:
    tables = seeded.query(
        "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"
    ).split()
    union = " UNION ALL ".join(
        f"SELECT '{t}', count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM {t} x"
        for t in tables
    )
    return seeded.query(f"{union} ORDER BY 1")


def test_a_second_seed_changes_nothing(seeded: Seeded, tmp_path: Path) -> None:
    before = snapshot(seeded)
    again = seed(seeded.cluster, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already there" in again.stdout
    assert snapshot(seeded) == before


def test_the_seed_stays_small() -> None:
    # It travels in the admin task's definition, which ECS caps (offline/aws_limits.py): a quarter of it.
    assert len(SEED_PATH.read_bytes()) < QUOTAS["ecs.taskDefinition"].limit // 4


def test_every_enumeration_value_the_seed_names_comes_from_the_contract(tmp_path: Path) -> None:
    header = [line for line in review_seed().splitlines() if line.startswith("\\set ")]
    assert f"\\set TaskStatus_BADIMAGERY {CONTRACT.enums['TaskStatus']['BADIMAGERY']}" in header
    for line in header:
        _, variable, value = line.split()
        enum, member = variable.split("_", 1)
        assert CONTRACT.enums[enum][member] == int(value)
    odd = tmp_path / "seed.sql"
    odd.write_text("SELECT :TaskStatus_FINISHED;\n")
    with pytest.raises(ValueError, match=r"TaskStatus\.FINISHED, which the application"):
        review_seed(odd)


def test_the_recorded_schema_is_the_contracts_version() -> None:
    header = recorded_header(SCHEMA_PATH)
    assert header["application"] == f"{CONTRACT.ref}, commit {CONTRACT.commit} (components/app_contract.json)"
    assert header["regenerate"].startswith("make app-schema APP=")
    assert f"INSERT INTO public.alembic_version (version_num) VALUES ('{header['alembic revision']}');" in (
        SCHEMA_PATH.read_text()
    )
