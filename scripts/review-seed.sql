-- A small synthetic data set for a review app's database, to click through: one organisation with
-- a manager, a campaign, a team, seven users (an admin, the manager, validators, mappers) and four
-- published projects whose task grids have tasks ready, mapped, validated, invalidated and marked as
-- bad imagery, none locked.
-- Nothing in it is real mapping; the places are real so that the map shows imagery.
--
-- Run by dev's database-admin task (ACTION=seed) as the review app's own role, after its
-- migrations: psql -v ON_ERROR_STOP=1. Every value of the application's enumerations is a psql
-- variable (:TaskStatus_MAPPED) that the task sets from components/app_contract.json, so the seed
-- writes only what the application defines; names (STATE_CHANGE, MAPPED) are what it stores as text.
-- It changes nothing when its organisation is already there.

DO $$ BEGIN
  IF to_regclass('public.alembic_version') IS NULL THEN
    RAISE EXCEPTION 'no alembic_version table: run the application''s migrations before the seed';
  END IF;
END $$;
SELECT EXISTS (SELECT FROM organisations WHERE slug = 'review-mappers') AS seeded \gset
\if :seeded
\echo 'the review data set is already there (organisation review-mappers): nothing to do'
\else
BEGIN;
CREATE TEMP TABLE seed_user (id bigint, username text, name text, role int, level text) ON COMMIT DROP;
INSERT INTO seed_user VALUES
  (2000000001, 'review-admin', 'Ada Admin', :UserRole_ADMIN, 'ADVANCED'),
  (2000000002, 'review-manager', 'Mo Manager', :UserRole_MAPPER, 'ADVANCED'),
  (2000000003, 'review-validator-1', 'Val Idator', :UserRole_MAPPER, 'ADVANCED'),
  (2000000004, 'review-validator-2', 'Vera Checks', :UserRole_MAPPER, 'INTERMEDIATE'),
  (2000000005, 'review-mapper-1', 'Mina Mapper', :UserRole_MAPPER, 'BEGINNER'),
  (2000000006, 'review-mapper-2', 'Tom Traces', :UserRole_MAPPER, 'BEGINNER'),
  (2000000007, 'review-mapper-3', 'Rae Roads', :UserRole_MAPPER, 'INTERMEDIATE');
INSERT INTO users (id, username, name, role, mapping_level, tasks_mapped, tasks_validated, tasks_invalidated,
                   date_registered, projects_comments_notifications, tasks_comments_notifications,
                   teams_announcement_notifications)
  SELECT u.id, u.username, u.name, u.role, l.id, 0, 0, 0, now() AT TIME ZONE 'utc' - interval '90 days',
         false, false, false
  FROM seed_user u JOIN mapping_levels l ON l.name = u.level;

INSERT INTO organisations (name, slug, type, description, url)
  VALUES ('Review Mappers', 'review-mappers', :OrganisationType_FREE,
          'A made-up organisation for this review app.', 'https://www.hotosm.org')
  RETURNING id AS org \gset
INSERT INTO organisation_managers VALUES (:org, 2000000002);
INSERT INTO campaigns (name, description) VALUES ('Review campaign', 'Projects to try this review app on')
  RETURNING id AS campaign \gset
INSERT INTO campaign_organisations VALUES (:campaign, :org);
INSERT INTO teams (organisation_id, name, description, visibility, join_method)
  VALUES (:org, 'Review validators', 'Validators of the review projects', :TeamVisibility_PUBLIC,
          :TeamJoinMethod_BY_REQUEST)
  RETURNING id AS team \gset
INSERT INTO team_members (team_id, user_id, function, active, join_request_notifications, joined_date)
  SELECT :team, id, CASE id WHEN 2000000002 THEN :TeamMemberFunctions_MANAGER ELSE :TeamMemberFunctions_MEMBER END,
         true, false, now() AT TIME ZONE 'utc' - interval '60 days'
  FROM users WHERE id IN (2000000002, 2000000003, 2000000004);

-- The states as the application stores them: task_status holds the value, task history the name.
CREATE TEMP TABLE seed_status (name text PRIMARY KEY, value int) ON COMMIT DROP;
INSERT INTO seed_status VALUES ('READY', :TaskStatus_READY), ('MAPPED', :TaskStatus_MAPPED),
  ('VALIDATED', :TaskStatus_VALIDATED), ('INVALIDATED', :TaskStatus_INVALIDATED),
  ('BADIMAGERY', :TaskStatus_BADIMAGERY);

-- Each project: a centre, a radius in tiles of zoom 17, and the states its tasks take in turn.
CREATE TEMP TABLE seed_project (n int, id int, name text, about text, country text, lon float8, lat float8,
  radius float8, priority int, difficulty int, mapping_types int[], states text[]) ON COMMIT DROP;
INSERT INTO seed_project VALUES
  (1, NULL, 'Kathmandu: buildings', 'Buildings around Kalimati, half mapped, some validated.', 'Nepal',
   85.2990, 27.6985, 3.2, :ProjectPriority_URGENT, :ProjectDifficulty_EASY, ARRAY[:MappingTypes_BUILDINGS],
   '{READY,MAPPED,VALIDATED,READY,INVALIDATED,MAPPED,BADIMAGERY,VALIDATED}'),
  (2, NULL, 'Nairobi: roads and buildings', 'Kibera, not started yet.', 'Kenya',
   36.7870, -1.3133, 2.5, :ProjectPriority_HIGH, :ProjectDifficulty_MODERATE,
   ARRAY[:MappingTypes_ROADS, :MappingTypes_BUILDINGS], '{READY}'),
  (3, NULL, 'Dhaka: waiting for validation', 'Korail: mapped, half validated, some tasks to map again.', 'Bangladesh',
   90.4058, 23.7806, 2.2, :ProjectPriority_MEDIUM, :ProjectDifficulty_EASY, ARRAY[:MappingTypes_BUILDINGS],
   '{VALIDATED,MAPPED,VALIDATED,INVALIDATED,VALIDATED,MAPPED}'),
  (4, NULL, 'Lima: waterways and land use', 'San Juan de Lurigancho, where clouds hide part of the imagery.',
   'Peru', -77.0010, -11.9800, 2.8, :ProjectPriority_LOW, :ProjectDifficulty_CHALLENGING,
   ARRAY[:MappingTypes_WATERWAYS, :MappingTypes_LAND_USE], '{BADIMAGERY,INVALIDATED,READY,MAPPED,READY}');
UPDATE seed_project SET id = nextval(pg_get_serial_sequence('projects', 'id'));

-- The tasks: the web-mercator tiles of zoom 17 whose centre is within the radius of the project's
-- centre, numbered from the north-west; each takes the next state of its project's list. A tile's
-- x and y count from the map's west and north edges: 2^16 tiles each side of the origin.
CREATE TEMP TABLE seed_task ON COMMIT DROP AS
WITH tile AS (
  SELECT p.id AS project_id, p.states, p.n, g.i, g.j, g.geom
  FROM seed_project p,
       LATERAL (SELECT 40075016.685578488 / 2 ^ 17 AS size,
                       ST_Transform(ST_SetSRID(ST_Point(p.lon, p.lat), 4326), 3857) AS centre) c,
       LATERAL ST_SquareGrid(c.size, ST_Expand(c.centre, (p.radius + 1) * c.size)) g
  WHERE ST_DWithin(ST_Centroid(g.geom), c.centre, p.radius * c.size)
), numbered AS (
  SELECT *, row_number() OVER (PARTITION BY project_id ORDER BY j DESC, i)::int AS task_id FROM tile
)
SELECT project_id, task_id, i + 65536 AS x, 65535 - j AS y, ST_Multi(ST_Transform(geom, 4326)) AS geom,
       states[1 + (task_id - 1) % cardinality(states)] AS state,
       2000000005 + (task_id + n) % 3 AS mapper, 2000000003 + (task_id + n) % 2 AS validator,
       now() AT TIME ZONE 'utc' - interval '20 days' + (n * 97 + task_id) * interval '53 minutes' AS mapped_at,
       interval '1 second' * (600 + (task_id * 397 + n * 31) % 2400) AS mapping_time,
       interval '1 second' * (180 + (task_id * 211 + n * 17) % 900) AS validation_time
FROM numbered;

INSERT INTO projects (id, status, created, priority, default_locale, author_id, difficulty, private, featured,
                      changeset_comment, due_date, last_updated, mapping_types, total_tasks, tasks_mapped,
                      tasks_validated, tasks_bad_imagery, centroid, geometry, task_creation_mode, country,
                      organisation_id, mapping_permission, validation_permission, enforce_random_task_selection,
                      rapid_power_user, progress_email_sent, mapping_permission_level_id,
                      validation_permission_level_id)
  SELECT p.id, :ProjectStatus_PUBLISHED, now() AT TIME ZONE 'utc' - interval '30 days', p.priority, 'en',
         2000000002, p.difficulty, false, p.n = 1, format('#review-app-project-%s', p.id),
         now() AT TIME ZONE 'utc' + interval '60 days', now() AT TIME ZONE 'utc', p.mapping_types,
         count(*), count(*) FILTER (WHERE t.state = 'MAPPED'), count(*) FILTER (WHERE t.state = 'VALIDATED'),
         count(*) FILTER (WHERE t.state = 'BADIMAGERY'), ST_Centroid(ST_Union(t.geom)),
         ST_Multi(ST_Union(t.geom)), :TaskCreationMode_GRID, ARRAY[p.country], :org, :MappingPermission_ANY,
         :ValidationPermission_ANY, false, false, false,
         (SELECT id FROM mapping_levels WHERE name = 'BEGINNER'),
         (SELECT id FROM mapping_levels WHERE name = 'INTERMEDIATE')
  FROM seed_project p JOIN seed_task t ON t.project_id = p.id
  GROUP BY p.id, p.n, p.priority, p.difficulty, p.mapping_types, p.country;
INSERT INTO project_info (project_id, locale, name, short_description, description, instructions, project_id_str)
  SELECT id, 'en', name, about, about || E'\n\nSynthetic data of a review app: nothing here is real mapping.',
         'Map what you see on the imagery; validators check it.', id::text
  FROM seed_project;
INSERT INTO campaign_projects SELECT :campaign, id FROM seed_project WHERE n <> 4;
INSERT INTO project_teams (team_id, project_id, role) SELECT :team, id, :TeamRoles_VALIDATOR FROM seed_project WHERE n = 3;

-- A task as a finished mapping and validation leave it: no lock, the mapper kept unless invalidated.
INSERT INTO tasks (id, project_id, x, y, zoom, geometry, task_status, mapped_by, validated_by, is_square)
  SELECT t.task_id, t.project_id, t.x, t.y, 17, t.geom, s.value,
         CASE WHEN t.state IN ('MAPPED', 'VALIDATED', 'BADIMAGERY') THEN t.mapper END,
         CASE WHEN t.state = 'VALIDATED' THEN t.validator END, true
  FROM seed_task t JOIN seed_status s ON s.name = t.state;
-- The history the application writes on the way: each lock with its duration, the validator's
-- comment on an invalidation, each state change.
INSERT INTO task_history (project_id, task_id, action, action_text, action_date, user_id)
  SELECT t.project_id, t.task_id, h.action, h.action_text, h.action_date, h.user_id
  FROM seed_task t, LATERAL (VALUES
    (1, 'LOCKED_FOR_MAPPING', to_char(t.mapping_time, 'HH24:MI:SS'), t.mapped_at, t.mapper),
    (2, 'STATE_CHANGE', CASE t.state WHEN 'BADIMAGERY' THEN 'BADIMAGERY' ELSE 'MAPPED' END,
     t.mapped_at + t.mapping_time, t.mapper),
    (3, 'LOCKED_FOR_VALIDATION', to_char(t.validation_time, 'HH24:MI:SS'), t.mapped_at + interval '1 day',
     t.validator),
    (4, 'COMMENT', 'Some buildings are missing in the north-east corner: please add them.',
     t.mapped_at + interval '1 day' + t.validation_time, t.validator),
    (5, 'STATE_CHANGE', t.state, t.mapped_at + interval '1 day' + t.validation_time + interval '1 second',
     t.validator)
  ) h(step, action, action_text, action_date, user_id)
  WHERE t.state <> 'READY' AND (h.step <= 2 OR (t.state IN ('VALIDATED', 'INVALIDATED')
                                                AND (h.step <> 4 OR t.state = 'INVALIDATED')))
  ORDER BY h.action_date;
INSERT INTO task_invalidation_history (project_id, task_id, is_closed, mapper_id, mapped_date, invalidator_id,
                                       invalidated_date, invalidation_history_id, updated_date)
  SELECT t.project_id, t.task_id, false, t.mapper, t.mapped_at + t.mapping_time, h.user_id, h.action_date, h.id,
         h.action_date
  FROM seed_task t JOIN task_history h ON (h.project_id, h.task_id) = (t.project_id, t.task_id)
  WHERE t.state = 'INVALIDATED' AND h.action = 'STATE_CHANGE' AND h.action_text = 'INVALIDATED';
-- Each user's counters, as the application's statistics keep them.
WITH changes AS (SELECT user_id, project_id, action_text FROM task_history WHERE action = 'STATE_CHANGE')
UPDATE users u SET
  tasks_mapped = (SELECT count(*) FILTER (WHERE action_text = 'MAPPED') FROM changes WHERE user_id = u.id),
  tasks_validated = (SELECT count(*) FILTER (WHERE action_text = 'VALIDATED') FROM changes WHERE user_id = u.id),
  tasks_invalidated = (SELECT count(*) FILTER (WHERE action_text = 'INVALIDATED') FROM changes
                       WHERE user_id = u.id),
  projects_mapped = (SELECT array_agg(DISTINCT project_id) FROM changes WHERE user_id = u.id)
  WHERE u.id IN (SELECT id FROM seed_user);
COMMIT;
\echo 'the review data set is loaded: organisation review-mappers, 4 projects'
\endif
