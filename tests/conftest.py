import datetime

import pytest
from django.utils import timezone

from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory, UserFactory


@pytest.fixture
def consultation(db):
    return ConsultationFactory()


@pytest.fixture
def section(consultation):
    return SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")


@pytest.fixture
def question(consultation):
    return QuestionFactory(consultation=consultation, position=1)


@pytest.fixture
def second_section(consultation):
    return SectionFactory(document=consultation.document, major=2, title="Power", slug="power")


@pytest.fixture
def closed(consultation):
    """The consultation, closed yesterday."""
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    return consultation


# Staff, one fixture per role, defined here once for every test (UserFactory's traits say what each
# role may do; the password of each is tests.factories.PASSWORD).
@pytest.fixture
def moderator(db):
    return UserFactory(moderator=True, username="sam", first_name="Sam", last_name="Patel")


@pytest.fixture
def analyst(db):
    return UserFactory(analyst=True, username="analyst", first_name="Alex", last_name="Analyst")


@pytest.fixture
def manager(db):
    return UserFactory(manager=True, username="manager", first_name="Kit", last_name="Jones")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


# The test client signed in as each role (the same object as `client`).
@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    client.user = moderator
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    client.user = manager
    return client


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    client.user = analyst
    return client


# Each process keeps rendered fragments in memory (settings.CACHES["fragments"]); primary keys are
# reused from test to test, so a page cached by one test must not be served to the next.
@pytest.fixture(autouse=True)
def fresh_fragment_cache():
    from django.core.cache import caches

    caches["fragments"].clear()


# A test that commits (the browser tests, those of processes and locks) has every table emptied
# after it, the staff roles' groups with them, though a migration made them; and a worker that
# has run such tests may be given others after them (pytest-xdist's worksteal). So the groups are
# put back once everything of such a test is torn down, as every migrated database has them.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    marker = item.get_closest_marker("django_db")
    committed = "transactional_db" in item.fixturenames or (marker and marker.kwargs.get("transaction"))
    # After the last test the test database is gone.
    if committed and nextitem is not None:
        from pytest_django.plugin import blocking_manager_key

        from guidance.staff.roles import sync_roles

        with item.config.stash[blocking_manager_key].unblock():
            sync_roles()


# On SQLite the test database is a file, not Django's default shared in-memory database: the
# browser tests' live server answers from several threads, and threads sharing an in-memory
# database get "database table is locked" at once instead of waiting their turn for the write
# lock, as the portal's own busy timeout makes them do on a file (consult/settings.py).
@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


# Uploaded files (supporting documents) go to a folder of the test's own, never the checkout's media/.
@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# The tests that go through code written differently for SQLite and PostgreSQL (SQL of its own,
# locks, COPY, SKIP LOCKED, immediate transactions, timeouts): CI runs the whole suite on
# PostgreSQL, as production, and these on SQLite as well (.ci/run).
DATABASE_DEPENDENT = {
    "test_admin_bad_filters.py",
    "test_campaigns_on_arrival.py",
    "test_dashboard.py",
    "test_database_faults.py",
    "test_email_queue.py",
    "test_export.py",
    "test_export_admin.py",
    "test_limits_under_load.py",
    "test_moderation.py",
    "test_moderation_screen.py",
    "test_query_counts.py",
    "test_rate_limit.py",
    "test_responding.py",
    "test_settings.py",
    "test_staff_search.py",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in DATABASE_DEPENDENT:
            item.add_marker(pytest.mark.database)
