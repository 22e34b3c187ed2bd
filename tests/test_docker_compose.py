"""No Docker engine runs on our machines, so these read the files docker compose would."""

import ipaddress
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


class ComposeLoader(yaml.SafeLoader):
    """Reads compose's own tags: `!reset []` empties what the file below set."""


ComposeLoader.add_constructor("!reset", lambda loader, node: ("!reset", loader.construct_sequence(node)))


def scale():
    return yaml.load((ROOT / "docker-compose.scale.yml").read_text(), Loader=ComposeLoader)  # noqa: S506


def test_compose_runs_postgresql_16_with_a_named_volume_and_a_pg_isready_healthcheck():
    services = compose()["services"]
    db = services["db"]
    assert db["image"] == "postgres:16"
    volume_name = db["volumes"][0].split(":")[0]
    assert volume_name in compose()["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_web_is_built_here_and_waits_for_a_healthy_database():
    web = compose()["services"]["web"]
    assert web["build"] == "."
    assert web["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "8000:8000" in web["ports"]


def test_compose_migrates_once_before_any_copy_of_web_starts():
    services = compose()["services"]
    migrate, web = services["migrate"], services["web"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["environment"] == web["environment"]
    assert "restart" not in migrate
    assert web["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    # Copies started together must not each migrate: web runs gunicorn alone.
    assert web["command"] == ["gunicorn", "consult.wsgi", "--config", "gunicorn.conf.py"]


def test_compose_gives_web_longer_to_stop_than_gunicorns_graceful_timeout():
    web = compose()["services"]["web"]
    graceful_timeout = 30  # GUNICORN_GRACEFUL_TIMEOUT's default, gunicorn.conf.py
    assert int(web["stop_grace_period"].removesuffix("s")) > graceful_timeout
    assert web["restart"] == "unless-stopped"


def test_compose_web_gets_its_settings_from_the_environment():
    environment = compose()["services"]["web"]["environment"]
    for name in ["DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS"]:
        assert name in environment
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["DJANGO_DEBUG"] == "false"
    # The secret key has no default: compose stops with a message instead of running with one.
    assert ":?" in environment["DJANGO_SECRET_KEY"]


def test_compose_trusts_no_proxy_but_the_container_itself_unless_told():
    environment = compose()["services"]["web"]["environment"]
    assert environment["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-127.0.0.0/8,::1}"


def test_compose_passes_the_mail_server_settings_through():
    environment = compose()["services"]["web"]["environment"]
    names = ["EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_BACKEND"]
    for name in names:
        assert environment[name].startswith(f"${{{name}:-"), name


def test_dockerfile_builds_css_in_node_collects_static_and_runs_gunicorn_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM node:" in dockerfile and "npm run build" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER portal" in dockerfile
    assert "migrate --noinput && exec gunicorn" in dockerfile


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (ROOT / "consult" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    read = set(re.findall(r'env_(?:bool|int|list)\("([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', settings_source))
    missing = {name for name in read if f"{name}=" not in example}
    assert not missing


# Production operations: the shared cache, secure defaults, the health check.


def test_compose_runs_redis_as_the_shared_cache_and_web_waits_for_it():
    services = compose()["services"]
    redis = services["redis"]
    assert redis["image"].startswith("redis:")
    assert "ping" in " ".join(redis["healthcheck"]["test"])
    web = services["web"]
    assert web["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_compose_web_is_https_by_default_and_checks_its_own_health():
    web = compose()["services"]["web"]
    assert web["environment"]["DJANGO_HTTPS"] == "${DJANGO_HTTPS:-true}"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_dockerfile_runs_gunicorn_with_its_config_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "exec gunicorn consult.wsgi --config gunicorn.conf.py" in dockerfile
    assert "gunicorn.conf.py" not in (ROOT / ".dockerignore").read_text()


def test_compose_runs_a_worker_that_sends_the_queued_emails_with_the_same_settings_as_web():
    services = compose()["services"]
    worker, web = services["worker"], services["web"]
    assert worker["build"] == "."
    assert worker["command"] == ["python", "manage.py", "run_worker"]
    # It starts once web has applied the migrations (web's health check answers after them).
    assert worker["depends_on"]["web"] == {"condition": "service_healthy"}
    assert worker["depends_on"]["db"] == {"condition": "service_healthy"}
    assert worker["environment"] == web["environment"]
    assert worker["restart"] == "unless-stopped"
    assert "ports" not in worker


# docker-compose.scale.yml: several copies of web behind HAProxy.


def test_the_scaled_profile_puts_haproxy_with_the_shipped_configuration_in_front_of_the_copies():
    services = scale()["services"]
    haproxy, web = services["haproxy"], services["web"]
    assert haproxy["image"] == "haproxy:2.6"
    assert "./deploy:/usr/local/etc/haproxy:ro" in haproxy["volumes"]
    assert (ROOT / "deploy" / "haproxy.cfg").exists()
    assert haproxy["ports"] == ["8000:8000"]
    assert haproxy["depends_on"]["web"] == {"condition": "service_healthy"}
    # Only HAProxy is reachable from outside: the base file's published port is taken away.
    assert web["ports"] == ("!reset", [])
    assert web["deploy"]["replicas"] >= 2


def test_the_scaled_profile_believes_x_forwarded_for_from_haproxy_alone():
    config = scale()
    haproxy_address = config["services"]["haproxy"]["networks"]["default"]["ipv4_address"]
    subnet = config["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(haproxy_address) in ipaddress.ip_network(subnet)
    assert config["services"]["web"]["environment"]["TRUSTED_PROXIES"] == f"${{TRUSTED_PROXIES:-{haproxy_address}}}"


def test_the_scaled_profiles_database_connections_stay_under_postgresqls_limit():
    # Each thread of each gunicorn worker may keep a connection open (DATABASE_CONN_MAX_AGE).
    config = scale()["services"]
    max_connections = int(config["db"]["command"][config["db"]["command"].index("-c") + 1].split("=")[1])
    web = config["web"]
    copies = web["deploy"]["replicas"]
    workers, threads = int(web["environment"]["GUNICORN_WORKERS"]), int(web["environment"]["GUNICORN_THREADS"])
    email_worker = 2  # run_worker's loop and its housekeeping thread
    command = 1  # apply_retention or an export from the command line, one at a time
    superuser_reserved = 3  # PostgreSQL's superuser_reserved_connections
    assert copies * workers * threads + email_worker + command + superuser_reserved <= max_connections
