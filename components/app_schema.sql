-- The Tasking Manager's database as its own migrations leave it. Generated: do not edit.
-- application: v5.5.2, commit 856aa0804e10262288f473b2040c7b92789292f1 (components/app_contract.json)
-- alembic revision: a1b2c3d4e5f6
-- regenerate: make app-schema APP=<checkout of that commit> (python -m offline.app_schema <checkout>)
-- how: alembic -c migrations/alembic.ini upgrade head, with the application's uv.lock on Python 3.10, as an ordinary login
--   on PostgreSQL 15 + PostGIS; then pg_dump --schema-only --no-owner --no-privileges, without PostGIS
--   (created before the migrations), and pg_dump --data-only --column-inserts of the tables the
--   migrations fill: alembic_version, mapping_badges, mapping_issue_categories, mapping_level_badges, mapping_levels, organisations, teams
-- stand-in (absent from the checkout): scripts/world/continents.json
--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: application_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.application_keys (
    id bigint NOT NULL,
    "user" bigint NOT NULL,
    app_key character varying NOT NULL,
    created timestamp without time zone
);


--
-- Name: application_keys_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.application_keys_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: application_keys_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.application_keys_id_seq OWNED BY public.application_keys.id;


--
-- Name: banner; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.banner (
    id integer NOT NULL,
    message character varying NOT NULL,
    visible boolean NOT NULL
);


--
-- Name: banner_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.banner_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: banner_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.banner_id_seq OWNED BY public.banner.id;


--
-- Name: campaign_organisations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaign_organisations (
    campaign_id integer,
    organisation_id integer
);


--
-- Name: campaign_projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaign_projects (
    campaign_id integer,
    project_id integer
);


--
-- Name: campaigns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns (
    id integer NOT NULL,
    name character varying NOT NULL,
    logo character varying,
    url character varying,
    description character varying
);


--
-- Name: campaigns_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.campaigns_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: campaigns_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.campaigns_id_seq OWNED BY public.campaigns.id;


--
-- Name: interests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.interests (
    id integer NOT NULL,
    name character varying
);


--
-- Name: interests_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.interests_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: interests_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.interests_id_seq OWNED BY public.interests.id;


--
-- Name: licenses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.licenses (
    id integer NOT NULL,
    name character varying,
    description character varying,
    plain_text character varying
);


--
-- Name: licenses_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.licenses_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: licenses_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.licenses_id_seq OWNED BY public.licenses.id;


--
-- Name: mapping_badges; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mapping_badges (
    id integer NOT NULL,
    name character varying NOT NULL,
    description character varying NOT NULL,
    image_path character varying,
    requirements json,
    is_enabled boolean DEFAULT true NOT NULL,
    is_internal boolean DEFAULT false NOT NULL
);


--
-- Name: mapping_badges_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.mapping_badges_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: mapping_badges_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.mapping_badges_id_seq OWNED BY public.mapping_badges.id;


--
-- Name: mapping_issue_categories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mapping_issue_categories (
    id integer NOT NULL,
    name character varying NOT NULL,
    description character varying,
    archived boolean DEFAULT false NOT NULL
);


--
-- Name: mapping_issue_categories_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.mapping_issue_categories_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: mapping_issue_categories_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.mapping_issue_categories_id_seq OWNED BY public.mapping_issue_categories.id;


--
-- Name: mapping_level_badges; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mapping_level_badges (
    level_id integer NOT NULL,
    badge_id integer NOT NULL
);


--
-- Name: mapping_levels; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mapping_levels (
    id integer NOT NULL,
    name character varying NOT NULL,
    approvals_required integer DEFAULT 0 NOT NULL,
    color character varying,
    ordering integer NOT NULL,
    is_beginner boolean DEFAULT false NOT NULL
);


--
-- Name: mapping_levels_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.mapping_levels_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: mapping_levels_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.mapping_levels_id_seq OWNED BY public.mapping_levels.id;


--
-- Name: messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.messages (
    id integer NOT NULL,
    message character varying,
    subject character varying,
    from_user_id bigint,
    to_user_id bigint,
    date timestamp without time zone,
    read boolean,
    message_type integer,
    project_id integer,
    task_id integer
);


--
-- Name: messages_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.messages_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: messages_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.messages_id_seq OWNED BY public.messages.id;


--
-- Name: notifications; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notifications (
    id integer NOT NULL,
    user_id bigint,
    unread_count integer,
    date timestamp without time zone
);


--
-- Name: notifications_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.notifications_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: notifications_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.notifications_id_seq OWNED BY public.notifications.id;


--
-- Name: organisation_managers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisation_managers (
    organisation_id integer NOT NULL,
    user_id bigint NOT NULL
);


--
-- Name: organisations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisations (
    id integer NOT NULL,
    name character varying(512) NOT NULL,
    logo character varying,
    url character varying,
    description character varying,
    type integer NOT NULL,
    slug character varying(255) NOT NULL,
    subscription_tier integer
);


--
-- Name: organisations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.organisations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: organisations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.organisations_id_seq OWNED BY public.organisations.id;


--
-- Name: partners; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.partners (
    id integer NOT NULL,
    name character varying(150) NOT NULL,
    primary_hashtag character varying(200) NOT NULL,
    secondary_hashtag character varying(200),
    logo_url character varying(500),
    link_meta character varying(300),
    link_x character varying(300),
    link_instagram character varying(300),
    current_projects character varying,
    permalink character varying(500),
    website_links character varying,
    mapswipe_group_id character varying
);


--
-- Name: partners_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.partners_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: partners_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.partners_id_seq OWNED BY public.partners.id;


--
-- Name: priority_areas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.priority_areas (
    id integer NOT NULL,
    geometry public.geometry(Polygon,4326)
);


--
-- Name: priority_areas_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.priority_areas_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: priority_areas_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.priority_areas_id_seq OWNED BY public.priority_areas.id;


--
-- Name: project_allowed_users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_allowed_users (
    project_id integer,
    user_id bigint
);


--
-- Name: project_chat; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_chat (
    id bigint NOT NULL,
    project_id integer NOT NULL,
    user_id integer NOT NULL,
    time_stamp timestamp without time zone NOT NULL,
    message character varying NOT NULL
);


--
-- Name: project_chat_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.project_chat_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: project_chat_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.project_chat_id_seq OWNED BY public.project_chat.id;


--
-- Name: project_custom_editors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_custom_editors (
    project_id integer NOT NULL,
    name character varying(50) NOT NULL,
    description character varying,
    url character varying NOT NULL
);


--
-- Name: project_favorites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_favorites (
    project_id integer,
    user_id bigint
);


--
-- Name: project_info; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_info (
    project_id integer NOT NULL,
    locale character varying(10) NOT NULL,
    name character varying(512),
    short_description character varying,
    description character varying,
    instructions character varying,
    project_id_str character varying,
    text_searchable tsvector,
    per_task_instructions character varying
);


--
-- Name: project_interests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_interests (
    interest_id integer,
    project_id bigint
);


--
-- Name: project_partnerships; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_partnerships (
    id bigint NOT NULL,
    project_id integer NOT NULL,
    partner_id integer NOT NULL,
    started_on timestamp without time zone NOT NULL,
    ended_on timestamp without time zone
);


--
-- Name: project_partnerships_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_partnerships_history (
    id bigint NOT NULL,
    partnership_id bigint,
    project_id integer NOT NULL,
    partner_id integer NOT NULL,
    action_date timestamp without time zone NOT NULL,
    action integer NOT NULL,
    started_on_old timestamp without time zone,
    ended_on_old timestamp without time zone,
    started_on_new timestamp without time zone,
    ended_on_new timestamp without time zone
);


--
-- Name: project_partnerships_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.project_partnerships_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: project_partnerships_history_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.project_partnerships_history_id_seq OWNED BY public.project_partnerships_history.id;


--
-- Name: project_partnerships_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.project_partnerships_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: project_partnerships_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.project_partnerships_id_seq OWNED BY public.project_partnerships.id;


--
-- Name: project_priority_areas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_priority_areas (
    project_id integer,
    priority_area_id integer
);


--
-- Name: project_teams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_teams (
    team_id integer NOT NULL,
    project_id integer NOT NULL,
    role integer NOT NULL,
    id bigint NOT NULL
);


--
-- Name: project_teams_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.project_teams_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: project_teams_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.project_teams_id_seq OWNED BY public.project_teams.id;


--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    id integer NOT NULL,
    status integer NOT NULL,
    created timestamp without time zone NOT NULL,
    priority integer,
    default_locale character varying(10),
    author_id bigint NOT NULL,
    difficulty integer NOT NULL,
    private boolean,
    changeset_comment character varying,
    due_date timestamp without time zone,
    imagery character varying,
    josm_preset character varying,
    last_updated timestamp without time zone,
    mapping_types integer[],
    total_tasks integer NOT NULL,
    tasks_mapped integer NOT NULL,
    tasks_validated integer NOT NULL,
    tasks_bad_imagery integer NOT NULL,
    license_id integer,
    centroid public.geometry(Point,4326) NOT NULL,
    geometry public.geometry(MultiPolygon,4326) NOT NULL,
    task_creation_mode integer NOT NULL,
    mapping_editors integer[] DEFAULT '{0,1,2,3}'::integer[] NOT NULL,
    validation_editors integer[] DEFAULT '{0,1,2,3}'::integer[] NOT NULL,
    osmcha_filter_id character varying,
    enforce_random_task_selection boolean DEFAULT false,
    id_presets character varying[],
    featured boolean,
    country character varying[],
    organisation_id integer,
    mapping_permission integer,
    validation_permission integer,
    rapid_power_user boolean,
    extra_id_params character varying,
    progress_email_sent boolean,
    mapping_permission_level_id integer DEFAULT 1 NOT NULL,
    validation_permission_level_id integer DEFAULT 2 NOT NULL,
    database character varying DEFAULT 'OSM'::character varying NOT NULL,
    sandbox boolean DEFAULT false NOT NULL
);


--
-- Name: projects_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.projects_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: projects_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.projects_id_seq OWNED BY public.projects.id;


--
-- Name: release_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.release_version (
    tag_name character varying(64) NOT NULL,
    published_at timestamp without time zone NOT NULL
);


--
-- Name: task_annotations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_annotations (
    id integer NOT NULL,
    project_id integer,
    task_id integer NOT NULL,
    annotation_type character varying NOT NULL,
    annotation_source character varying,
    updated_timestamp timestamp without time zone NOT NULL,
    properties json NOT NULL,
    annotation_markdown character varying
);


--
-- Name: task_annotations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.task_annotations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: task_annotations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.task_annotations_id_seq OWNED BY public.task_annotations.id;


--
-- Name: task_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_history (
    id integer NOT NULL,
    project_id integer,
    task_id integer NOT NULL,
    action character varying NOT NULL,
    action_text character varying,
    action_date timestamp without time zone NOT NULL,
    user_id bigint NOT NULL
);


--
-- Name: task_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.task_history_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: task_history_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.task_history_id_seq OWNED BY public.task_history.id;


--
-- Name: task_invalidation_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_invalidation_history (
    id integer NOT NULL,
    project_id integer NOT NULL,
    task_id integer NOT NULL,
    is_closed boolean,
    mapper_id bigint,
    mapped_date timestamp without time zone,
    invalidator_id bigint,
    invalidated_date timestamp without time zone,
    invalidation_history_id integer,
    validator_id bigint,
    validated_date timestamp without time zone,
    updated_date timestamp without time zone
);


--
-- Name: task_invalidation_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.task_invalidation_history_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: task_invalidation_history_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.task_invalidation_history_id_seq OWNED BY public.task_invalidation_history.id;


--
-- Name: task_mapping_issues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_mapping_issues (
    id integer NOT NULL,
    mapping_issue_category_id integer NOT NULL,
    task_history_id integer NOT NULL,
    issue character varying NOT NULL,
    count integer NOT NULL
);


--
-- Name: task_mapping_issues_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.task_mapping_issues_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: task_mapping_issues_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.task_mapping_issues_id_seq OWNED BY public.task_mapping_issues.id;


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id integer NOT NULL,
    project_id integer NOT NULL,
    x integer,
    y integer,
    zoom integer,
    geometry public.geometry(MultiPolygon,4326),
    task_status integer,
    locked_by bigint,
    mapped_by bigint,
    validated_by bigint,
    is_square boolean,
    extra_properties character varying
);


--
-- Name: team_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.team_members (
    team_id integer NOT NULL,
    user_id bigint NOT NULL,
    function integer NOT NULL,
    active boolean,
    join_request_notifications boolean NOT NULL,
    joined_date timestamp without time zone
);


--
-- Name: teams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.teams (
    id integer NOT NULL,
    organisation_id integer NOT NULL,
    name character varying(512) NOT NULL,
    logo character varying,
    description character varying,
    visibility integer DEFAULT 1 NOT NULL,
    join_method integer NOT NULL
);


--
-- Name: teams_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.teams_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: teams_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.teams_id_seq OWNED BY public.teams.id;


--
-- Name: user_interests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_interests (
    interest_id integer,
    user_id bigint
);


--
-- Name: user_level_vote; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_level_vote (
    user_id bigint NOT NULL,
    level_id integer NOT NULL,
    voter_id bigint NOT NULL,
    vote_date timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);


--
-- Name: user_licenses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_licenses (
    "user" bigint,
    license integer
);


--
-- Name: user_mapping_badge; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_mapping_badge (
    user_id bigint NOT NULL,
    badge_id integer NOT NULL,
    date_assigned timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);


--
-- Name: user_next_level; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_next_level (
    user_id bigint NOT NULL,
    level_id integer NOT NULL,
    nomination_date timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);


--
-- Name: user_stats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_stats (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    stats json NOT NULL,
    date_obtained timestamp without time zone NOT NULL
);


--
-- Name: user_stats_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.user_stats_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: user_stats_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.user_stats_id_seq OWNED BY public.user_stats.id;


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    username character varying,
    role integer NOT NULL,
    mapping_level integer NOT NULL,
    tasks_mapped integer NOT NULL,
    tasks_validated integer NOT NULL,
    tasks_invalidated integer NOT NULL,
    projects_mapped integer[],
    email_address character varying,
    facebook_id character varying,
    is_email_verified boolean,
    linkedin_id character varying,
    twitter_id character varying,
    date_registered timestamp without time zone,
    last_validation_date timestamp without time zone,
    tasks_notifications boolean DEFAULT true NOT NULL,
    is_expert boolean,
    irc_id character varying,
    city character varying,
    country character varying,
    name character varying,
    skype_id character varying,
    slack_id character varying,
    default_editor character varying DEFAULT 'ID'::character varying NOT NULL,
    mentions_notifications boolean DEFAULT true NOT NULL,
    projects_notifications boolean DEFAULT true NOT NULL,
    picture_url character varying,
    gender integer,
    self_description_gender character varying,
    projects_comments_notifications boolean NOT NULL,
    tasks_comments_notifications boolean NOT NULL,
    teams_announcement_notifications boolean NOT NULL,
    task_validation_notification boolean DEFAULT true NOT NULL,
    task_invalidation_notification boolean DEFAULT true NOT NULL
);


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;


--
-- Name: users_with_email; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users_with_email (
    id bigint NOT NULL,
    email character varying NOT NULL
);


--
-- Name: users_with_email_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.users_with_email_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: users_with_email_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.users_with_email_id_seq OWNED BY public.users_with_email.id;


--
-- Name: application_keys id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.application_keys ALTER COLUMN id SET DEFAULT nextval('public.application_keys_id_seq'::regclass);


--
-- Name: banner id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.banner ALTER COLUMN id SET DEFAULT nextval('public.banner_id_seq'::regclass);


--
-- Name: campaigns id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns ALTER COLUMN id SET DEFAULT nextval('public.campaigns_id_seq'::regclass);


--
-- Name: interests id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interests ALTER COLUMN id SET DEFAULT nextval('public.interests_id_seq'::regclass);


--
-- Name: licenses id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.licenses ALTER COLUMN id SET DEFAULT nextval('public.licenses_id_seq'::regclass);


--
-- Name: mapping_badges id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_badges ALTER COLUMN id SET DEFAULT nextval('public.mapping_badges_id_seq'::regclass);


--
-- Name: mapping_issue_categories id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_issue_categories ALTER COLUMN id SET DEFAULT nextval('public.mapping_issue_categories_id_seq'::regclass);


--
-- Name: mapping_levels id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_levels ALTER COLUMN id SET DEFAULT nextval('public.mapping_levels_id_seq'::regclass);


--
-- Name: messages id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages ALTER COLUMN id SET DEFAULT nextval('public.messages_id_seq'::regclass);


--
-- Name: notifications id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications ALTER COLUMN id SET DEFAULT nextval('public.notifications_id_seq'::regclass);


--
-- Name: organisations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisations ALTER COLUMN id SET DEFAULT nextval('public.organisations_id_seq'::regclass);


--
-- Name: partners id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners ALTER COLUMN id SET DEFAULT nextval('public.partners_id_seq'::regclass);


--
-- Name: priority_areas id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.priority_areas ALTER COLUMN id SET DEFAULT nextval('public.priority_areas_id_seq'::regclass);


--
-- Name: project_chat id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_chat ALTER COLUMN id SET DEFAULT nextval('public.project_chat_id_seq'::regclass);


--
-- Name: project_partnerships id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships ALTER COLUMN id SET DEFAULT nextval('public.project_partnerships_id_seq'::regclass);


--
-- Name: project_partnerships_history id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships_history ALTER COLUMN id SET DEFAULT nextval('public.project_partnerships_history_id_seq'::regclass);


--
-- Name: project_teams id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_teams ALTER COLUMN id SET DEFAULT nextval('public.project_teams_id_seq'::regclass);


--
-- Name: projects id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects ALTER COLUMN id SET DEFAULT nextval('public.projects_id_seq'::regclass);


--
-- Name: task_annotations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_annotations ALTER COLUMN id SET DEFAULT nextval('public.task_annotations_id_seq'::regclass);


--
-- Name: task_history id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_history ALTER COLUMN id SET DEFAULT nextval('public.task_history_id_seq'::regclass);


--
-- Name: task_invalidation_history id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history ALTER COLUMN id SET DEFAULT nextval('public.task_invalidation_history_id_seq'::regclass);


--
-- Name: task_mapping_issues id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_mapping_issues ALTER COLUMN id SET DEFAULT nextval('public.task_mapping_issues_id_seq'::regclass);


--
-- Name: teams id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams ALTER COLUMN id SET DEFAULT nextval('public.teams_id_seq'::regclass);


--
-- Name: user_stats id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_stats ALTER COLUMN id SET DEFAULT nextval('public.user_stats_id_seq'::regclass);


--
-- Name: users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);


--
-- Name: users_with_email id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users_with_email ALTER COLUMN id SET DEFAULT nextval('public.users_with_email_id_seq'::regclass);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: application_keys application_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.application_keys
    ADD CONSTRAINT application_keys_pkey PRIMARY KEY (id);


--
-- Name: banner banner_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.banner
    ADD CONSTRAINT banner_pkey PRIMARY KEY (id);


--
-- Name: campaign_organisations campaign_organisation_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_organisations
    ADD CONSTRAINT campaign_organisation_key UNIQUE (campaign_id, organisation_id);


--
-- Name: campaigns campaigns_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_name_key UNIQUE (name);


--
-- Name: campaigns campaigns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (id);


--
-- Name: interests interests_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interests
    ADD CONSTRAINT interests_name_key UNIQUE (name);


--
-- Name: interests interests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interests
    ADD CONSTRAINT interests_pkey PRIMARY KEY (id);


--
-- Name: licenses licenses_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.licenses
    ADD CONSTRAINT licenses_name_key UNIQUE (name);


--
-- Name: licenses licenses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.licenses
    ADD CONSTRAINT licenses_pkey PRIMARY KEY (id);


--
-- Name: mapping_badges mapping_badges_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_badges
    ADD CONSTRAINT mapping_badges_pkey PRIMARY KEY (id);


--
-- Name: mapping_issue_categories mapping_issue_categories_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_issue_categories
    ADD CONSTRAINT mapping_issue_categories_name_key UNIQUE (name);


--
-- Name: mapping_issue_categories mapping_issue_categories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_issue_categories
    ADD CONSTRAINT mapping_issue_categories_pkey PRIMARY KEY (id);


--
-- Name: mapping_level_badges mapping_level_badges_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_level_badges
    ADD CONSTRAINT mapping_level_badges_pkey PRIMARY KEY (level_id, badge_id);


--
-- Name: mapping_levels mapping_levels_ordering_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_levels
    ADD CONSTRAINT mapping_levels_ordering_key UNIQUE (ordering);


--
-- Name: mapping_levels mapping_levels_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_levels
    ADD CONSTRAINT mapping_levels_pkey PRIMARY KEY (id);


--
-- Name: messages messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (id);


--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);


--
-- Name: organisation_managers organisation_user_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_managers
    ADD CONSTRAINT organisation_user_key UNIQUE (organisation_id, user_id);


--
-- Name: organisations organisations_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_name_key UNIQUE (name);


--
-- Name: organisations organisations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_pkey PRIMARY KEY (id);


--
-- Name: organisations organisations_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_slug_key UNIQUE (slug);


--
-- Name: partners partners_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners
    ADD CONSTRAINT partners_name_key UNIQUE (name);


--
-- Name: partners partners_permalink_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners
    ADD CONSTRAINT partners_permalink_key UNIQUE (permalink);


--
-- Name: partners partners_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners
    ADD CONSTRAINT partners_pkey PRIMARY KEY (id);


--
-- Name: priority_areas priority_areas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.priority_areas
    ADD CONSTRAINT priority_areas_pkey PRIMARY KEY (id);


--
-- Name: project_chat project_chat_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_chat
    ADD CONSTRAINT project_chat_pkey PRIMARY KEY (id);


--
-- Name: project_custom_editors project_custom_editors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_custom_editors
    ADD CONSTRAINT project_custom_editors_pkey PRIMARY KEY (project_id);


--
-- Name: project_info project_info_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_info
    ADD CONSTRAINT project_info_pkey PRIMARY KEY (project_id, locale);


--
-- Name: project_partnerships_history project_partnerships_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships_history
    ADD CONSTRAINT project_partnerships_history_pkey PRIMARY KEY (id);


--
-- Name: project_partnerships project_partnerships_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships
    ADD CONSTRAINT project_partnerships_pkey PRIMARY KEY (id);


--
-- Name: project_teams project_teams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_teams
    ADD CONSTRAINT project_teams_pkey PRIMARY KEY (id);


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);


--
-- Name: release_version release_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.release_version
    ADD CONSTRAINT release_version_pkey PRIMARY KEY (tag_name);


--
-- Name: task_annotations task_annotations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_annotations
    ADD CONSTRAINT task_annotations_pkey PRIMARY KEY (id);


--
-- Name: task_history task_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_history
    ADD CONSTRAINT task_history_pkey PRIMARY KEY (id);


--
-- Name: task_invalidation_history task_invalidation_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT task_invalidation_history_pkey PRIMARY KEY (id);


--
-- Name: task_mapping_issues task_mapping_issues_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_mapping_issues
    ADD CONSTRAINT task_mapping_issues_pkey PRIMARY KEY (id);


--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id, project_id);


--
-- Name: team_members team_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_members
    ADD CONSTRAINT team_members_pkey PRIMARY KEY (team_id, user_id);


--
-- Name: teams teams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT teams_pkey PRIMARY KEY (id);


--
-- Name: project_teams uq_project_team_role; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_teams
    ADD CONSTRAINT uq_project_team_role UNIQUE (team_id, project_id, role);


--
-- Name: user_level_vote user_level_vote_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_level_vote
    ADD CONSTRAINT user_level_vote_pkey PRIMARY KEY (user_id, level_id, voter_id);


--
-- Name: user_mapping_badge user_mapping_badge_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_mapping_badge
    ADD CONSTRAINT user_mapping_badge_pkey PRIMARY KEY (user_id, badge_id);


--
-- Name: user_next_level user_next_level_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_next_level
    ADD CONSTRAINT user_next_level_pkey PRIMARY KEY (user_id, level_id);


--
-- Name: user_stats user_stats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_stats
    ADD CONSTRAINT user_stats_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: users_with_email users_with_email_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users_with_email
    ADD CONSTRAINT users_with_email_email_key UNIQUE (email);


--
-- Name: users_with_email users_with_email_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users_with_email
    ADD CONSTRAINT users_with_email_pkey PRIMARY KEY (id);


--
-- Name: idx_geometry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_geometry ON public.projects USING gist (geometry);


--
-- Name: idx_priority_areas_geometry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_priority_areas_geometry ON public.priority_areas USING gist (geometry);


--
-- Name: idx_project_info_composite; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_project_info_composite ON public.project_info USING btree (locale, project_id);


--
-- Name: idx_projects_centroid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_projects_centroid ON public.projects USING gist (centroid);


--
-- Name: idx_projects_geometry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_projects_geometry ON public.projects USING gist (geometry);


--
-- Name: idx_task_annotations_composite; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_task_annotations_composite ON public.task_annotations USING btree (task_id, project_id);


--
-- Name: idx_task_history_composite; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_task_history_composite ON public.task_history USING btree (task_id, project_id);


--
-- Name: idx_task_history_project_id_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_task_history_project_id_user_id ON public.task_history USING btree (user_id, project_id);


--
-- Name: idx_task_validation_history_composite; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_task_validation_history_composite ON public.task_invalidation_history USING btree (task_id, project_id);


--
-- Name: idx_task_validation_mapper_status_composite; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_task_validation_mapper_status_composite ON public.task_invalidation_history USING btree (mapper_id, is_closed);


--
-- Name: idx_task_validation_validator_status_composite; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_task_validation_validator_status_composite ON public.task_invalidation_history USING btree (invalidator_id, is_closed);


--
-- Name: idx_tasks_geometry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_tasks_geometry ON public.tasks USING gist (geometry);


--
-- Name: idx_username_lower; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_username_lower ON public.users USING btree (lower((username)::text));


--
-- Name: ix_messages_message_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_messages_message_type ON public.messages USING btree (message_type);


--
-- Name: ix_messages_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_messages_project_id ON public.messages USING btree (project_id);


--
-- Name: ix_messages_task_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_messages_task_id ON public.messages USING btree (task_id);


--
-- Name: ix_messages_to_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_messages_to_user_id ON public.messages USING btree (to_user_id);


--
-- Name: ix_notifications_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_user_id ON public.notifications USING btree (user_id);


--
-- Name: ix_project_chat_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_project_chat_project_id ON public.project_chat USING btree (project_id);


--
-- Name: ix_project_teams_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_project_teams_project_id ON public.project_teams USING btree (project_id);


--
-- Name: ix_project_teams_team_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_project_teams_team_id ON public.project_teams USING btree (team_id);


--
-- Name: ix_projects_difficulty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_projects_difficulty ON public.projects USING btree (difficulty);


--
-- Name: ix_projects_mapping_editors; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_projects_mapping_editors ON public.projects USING btree (mapping_editors);


--
-- Name: ix_projects_mapping_types; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_projects_mapping_types ON public.projects USING btree (mapping_types);


--
-- Name: ix_projects_organisation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_projects_organisation_id ON public.projects USING btree (organisation_id);


--
-- Name: ix_projects_validation_editors; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_projects_validation_editors ON public.projects USING btree (validation_editors);


--
-- Name: ix_task_annotations_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_task_annotations_project_id ON public.task_annotations USING btree (project_id);


--
-- Name: ix_task_history_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_task_history_project_id ON public.task_history USING btree (project_id);


--
-- Name: ix_task_history_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_task_history_user_id ON public.task_history USING btree (user_id);


--
-- Name: ix_task_mapping_issues_task_history_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_task_mapping_issues_task_history_id ON public.task_mapping_issues USING btree (task_history_id);


--
-- Name: ix_tasks_locked_by; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_locked_by ON public.tasks USING btree (locked_by);


--
-- Name: ix_tasks_mapped_by; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_mapped_by ON public.tasks USING btree (mapped_by);


--
-- Name: ix_tasks_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_project_id ON public.tasks USING btree (project_id);


--
-- Name: ix_tasks_validated_by; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_validated_by ON public.tasks USING btree (validated_by);


--
-- Name: ix_user_stats_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_user_stats_user_id ON public.user_stats USING btree (user_id);


--
-- Name: ix_users_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_users_id ON public.users USING btree (id);


--
-- Name: ix_users_with_email_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_users_with_email_id ON public.users_with_email USING btree (id);


--
-- Name: textsearch_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX textsearch_idx ON public.project_info USING gin (text_searchable);


--
-- Name: project_info tsvectorupdate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tsvectorupdate BEFORE INSERT OR UPDATE ON public.project_info FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger('text_searchable', 'pg_catalog.english', 'project_id_str', 'short_description', 'description');


--
-- Name: application_keys application_keys_user_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.application_keys
    ADD CONSTRAINT application_keys_user_fkey FOREIGN KEY ("user") REFERENCES public.users(id);


--
-- Name: campaign_organisations campaign_organisations_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_organisations
    ADD CONSTRAINT campaign_organisations_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id);


--
-- Name: campaign_organisations campaign_organisations_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_organisations
    ADD CONSTRAINT campaign_organisations_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisations(id);


--
-- Name: campaign_projects campaign_projects_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_projects
    ADD CONSTRAINT campaign_projects_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id);


--
-- Name: campaign_projects campaign_projects_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_projects
    ADD CONSTRAINT campaign_projects_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: task_invalidation_history fk_invalidation_history; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT fk_invalidation_history FOREIGN KEY (invalidation_history_id) REFERENCES public.task_history(id);


--
-- Name: task_invalidation_history fk_invalidators; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT fk_invalidators FOREIGN KEY (invalidator_id) REFERENCES public.users(id);


--
-- Name: task_mapping_issues fk_issue_category; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_mapping_issues
    ADD CONSTRAINT fk_issue_category FOREIGN KEY (mapping_issue_category_id) REFERENCES public.mapping_issue_categories(id);


--
-- Name: projects fk_licenses; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT fk_licenses FOREIGN KEY (license_id) REFERENCES public.licenses(id);


--
-- Name: task_invalidation_history fk_mappers; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT fk_mappers FOREIGN KEY (mapper_id) REFERENCES public.users(id);


--
-- Name: messages fk_message_projects; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT fk_message_projects FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: projects fk_organisations; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT fk_organisations FOREIGN KEY (organisation_id) REFERENCES public.organisations(id);


--
-- Name: teams fk_organisations; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT fk_organisations FOREIGN KEY (organisation_id) REFERENCES public.organisations(id);


--
-- Name: projects fk_projects_mapping_permission_level; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT fk_projects_mapping_permission_level FOREIGN KEY (mapping_permission_level_id) REFERENCES public.mapping_levels(id);


--
-- Name: projects fk_projects_validation_permission_level; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT fk_projects_validation_permission_level FOREIGN KEY (validation_permission_level_id) REFERENCES public.mapping_levels(id);


--
-- Name: task_annotations fk_task_annotations; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_annotations
    ADD CONSTRAINT fk_task_annotations FOREIGN KEY (task_id, project_id) REFERENCES public.tasks(id, project_id);


--
-- Name: task_history fk_tasks; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_history
    ADD CONSTRAINT fk_tasks FOREIGN KEY (task_id, project_id) REFERENCES public.tasks(id, project_id);


--
-- Name: task_invalidation_history fk_tasks; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT fk_tasks FOREIGN KEY (task_id, project_id) REFERENCES public.tasks(id, project_id);


--
-- Name: team_members fk_teams; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_members
    ADD CONSTRAINT fk_teams FOREIGN KEY (team_id) REFERENCES public.teams(id);


--
-- Name: users fk_user_mapping_level; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT fk_user_mapping_level FOREIGN KEY (mapping_level) REFERENCES public.mapping_levels(id);


--
-- Name: projects fk_users; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT fk_users FOREIGN KEY (author_id) REFERENCES public.users(id);


--
-- Name: task_history fk_users; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_history
    ADD CONSTRAINT fk_users FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: team_members fk_users; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_members
    ADD CONSTRAINT fk_users FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: tasks fk_users_locked; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT fk_users_locked FOREIGN KEY (locked_by) REFERENCES public.users(id);


--
-- Name: tasks fk_users_mapper; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT fk_users_mapper FOREIGN KEY (mapped_by) REFERENCES public.users(id);


--
-- Name: tasks fk_users_validator; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT fk_users_validator FOREIGN KEY (validated_by) REFERENCES public.users(id);


--
-- Name: task_invalidation_history fk_validators; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT fk_validators FOREIGN KEY (validator_id) REFERENCES public.users(id);


--
-- Name: mapping_level_badges mapping_level_badges_badge_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_level_badges
    ADD CONSTRAINT mapping_level_badges_badge_id_fkey FOREIGN KEY (badge_id) REFERENCES public.mapping_badges(id);


--
-- Name: mapping_level_badges mapping_level_badges_level_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mapping_level_badges
    ADD CONSTRAINT mapping_level_badges_level_id_fkey FOREIGN KEY (level_id) REFERENCES public.mapping_levels(id);


--
-- Name: messages messages_from_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_from_user_id_fkey FOREIGN KEY (from_user_id) REFERENCES public.users(id);


--
-- Name: messages messages_tasks; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_tasks FOREIGN KEY (task_id, project_id) REFERENCES public.tasks(id, project_id);


--
-- Name: messages messages_to_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_to_user_id_fkey FOREIGN KEY (to_user_id) REFERENCES public.users(id);


--
-- Name: notifications notifications_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: organisation_managers organisation_managers_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_managers
    ADD CONSTRAINT organisation_managers_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisations(id);


--
-- Name: organisation_managers organisation_managers_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_managers
    ADD CONSTRAINT organisation_managers_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: project_allowed_users project_allowed_users_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_allowed_users
    ADD CONSTRAINT project_allowed_users_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_allowed_users project_allowed_users_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_allowed_users
    ADD CONSTRAINT project_allowed_users_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: project_chat project_chat_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_chat
    ADD CONSTRAINT project_chat_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_chat project_chat_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_chat
    ADD CONSTRAINT project_chat_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: project_custom_editors project_custom_editors_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_custom_editors
    ADD CONSTRAINT project_custom_editors_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_favorites project_favorites_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_favorites
    ADD CONSTRAINT project_favorites_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_favorites project_favorites_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_favorites
    ADD CONSTRAINT project_favorites_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: project_info project_info_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_info
    ADD CONSTRAINT project_info_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_partnerships project_partners_partners_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships
    ADD CONSTRAINT project_partners_partners_fk FOREIGN KEY (partner_id) REFERENCES public.partners(id);


--
-- Name: project_partnerships_history project_partners_partners_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships_history
    ADD CONSTRAINT project_partners_partners_fk FOREIGN KEY (partner_id) REFERENCES public.partners(id) ON DELETE CASCADE;


--
-- Name: project_partnerships project_partners_projects_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships
    ADD CONSTRAINT project_partners_projects_fk FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_partnerships_history project_partners_projects_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships_history
    ADD CONSTRAINT project_partners_projects_fk FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: project_partnerships_history project_partnerships_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_partnerships_history
    ADD CONSTRAINT project_partnerships_fk FOREIGN KEY (partnership_id) REFERENCES public.project_partnerships(id) ON DELETE SET NULL;


--
-- Name: project_priority_areas project_priority_areas_priority_area_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_priority_areas
    ADD CONSTRAINT project_priority_areas_priority_area_id_fkey FOREIGN KEY (priority_area_id) REFERENCES public.priority_areas(id);


--
-- Name: project_priority_areas project_priority_areas_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_priority_areas
    ADD CONSTRAINT project_priority_areas_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_teams project_teams_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_teams
    ADD CONSTRAINT project_teams_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: project_teams project_teams_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_teams
    ADD CONSTRAINT project_teams_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(id);


--
-- Name: project_interests projects_interests_interest_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_interests
    ADD CONSTRAINT projects_interests_interest_id_fkey FOREIGN KEY (interest_id) REFERENCES public.interests(id);


--
-- Name: project_interests projects_interests_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_interests
    ADD CONSTRAINT projects_interests_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: task_annotations task_annotations_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_annotations
    ADD CONSTRAINT task_annotations_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: task_history task_history_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_history
    ADD CONSTRAINT task_history_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: task_invalidation_history task_invalidation_history_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_invalidation_history
    ADD CONSTRAINT task_invalidation_history_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: task_mapping_issues task_mapping_issues_task_history_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_mapping_issues
    ADD CONSTRAINT task_mapping_issues_task_history_id_fkey FOREIGN KEY (task_history_id) REFERENCES public.task_history(id);


--
-- Name: tasks tasks_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id);


--
-- Name: user_level_vote user_level_vote_level_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_level_vote
    ADD CONSTRAINT user_level_vote_level_id_fkey FOREIGN KEY (level_id) REFERENCES public.mapping_levels(id) ON DELETE CASCADE;


--
-- Name: user_level_vote user_level_vote_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_level_vote
    ADD CONSTRAINT user_level_vote_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_level_vote user_level_vote_voter_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_level_vote
    ADD CONSTRAINT user_level_vote_voter_id_fkey FOREIGN KEY (voter_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_mapping_badge user_mapping_badge_badge_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_mapping_badge
    ADD CONSTRAINT user_mapping_badge_badge_id_fkey FOREIGN KEY (badge_id) REFERENCES public.mapping_badges(id);


--
-- Name: user_mapping_badge user_mapping_badge_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_mapping_badge
    ADD CONSTRAINT user_mapping_badge_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: user_next_level user_next_level_level_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_next_level
    ADD CONSTRAINT user_next_level_level_id_fkey FOREIGN KEY (level_id) REFERENCES public.mapping_levels(id) ON DELETE CASCADE;


--
-- Name: user_next_level user_next_level_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_next_level
    ADD CONSTRAINT user_next_level_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_stats user_stats_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_stats
    ADD CONSTRAINT user_stats_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: user_interests users_interests_interest_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_interests
    ADD CONSTRAINT users_interests_interest_id_fkey FOREIGN KEY (interest_id) REFERENCES public.interests(id);


--
-- Name: user_interests users_interests_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_interests
    ADD CONSTRAINT users_interests_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: user_licenses users_licenses_license_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_licenses
    ADD CONSTRAINT users_licenses_license_fkey FOREIGN KEY (license) REFERENCES public.licenses(id);


--
-- Name: user_licenses users_licenses_user_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_licenses
    ADD CONSTRAINT users_licenses_user_fkey FOREIGN KEY ("user") REFERENCES public.users(id);


--
-- PostgreSQL database dump complete
--


--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alembic_version (version_num) VALUES ('a1b2c3d4e5f6');


--
-- Data for Name: mapping_badges; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.mapping_badges (id, name, description, image_path, requirements, is_enabled, is_internal) VALUES (1, 'INTERMEDIATE_internal', '', NULL, '{"changeset": 250}', true, true);
INSERT INTO public.mapping_badges (id, name, description, image_path, requirements, is_enabled, is_internal) VALUES (2, 'ADVANCED_internal', '', NULL, '{"changeset": 500}', true, true);


--
-- Data for Name: mapping_issue_categories; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.mapping_issue_categories (id, name, description, archived) VALUES (1, 'Missed Feature(s)', NULL, false);
INSERT INTO public.mapping_issue_categories (id, name, description, archived) VALUES (2, 'Feature Geometry', NULL, false);


--
-- Data for Name: mapping_levels; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.mapping_levels (id, name, approvals_required, color, ordering, is_beginner) VALUES (1, 'BEGINNER', 0, NULL, 1, true);
INSERT INTO public.mapping_levels (id, name, approvals_required, color, ordering, is_beginner) VALUES (2, 'INTERMEDIATE', 0, NULL, 2, false);
INSERT INTO public.mapping_levels (id, name, approvals_required, color, ordering, is_beginner) VALUES (3, 'ADVANCED', 0, NULL, 3, false);


--
-- Data for Name: mapping_level_badges; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.mapping_level_badges (level_id, badge_id) VALUES (2, 1);
INSERT INTO public.mapping_level_badges (level_id, badge_id) VALUES (3, 2);


--
-- Data for Name: organisations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.organisations (id, name, logo, url, description, type, slug, subscription_tier) VALUES (1, 'TM3', NULL, NULL, NULL, 1, 'tm3', NULL);


--
-- Data for Name: teams; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.teams (id, organisation_id, name, logo, description, visibility, join_method) VALUES (1, 1, 'TM3-validators', NULL, NULL, 1, 1);
INSERT INTO public.teams (id, organisation_id, name, logo, description, visibility, join_method) VALUES (2, 1, 'TM3-project-managers', NULL, NULL, 1, 1);


--
-- Name: mapping_badges_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.mapping_badges_id_seq', 2, true);


--
-- Name: mapping_issue_categories_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.mapping_issue_categories_id_seq', 2, true);


--
-- Name: mapping_levels_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.mapping_levels_id_seq', 3, true);


--
-- Name: organisations_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.organisations_id_seq', 1, true);


--
-- Name: teams_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.teams_id_seq', 2, true);


--
-- PostgreSQL database dump complete
--


