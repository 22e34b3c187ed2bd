import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_consultation_is_served_on_the_home_page(client):
    call_command("load_demo", verbosity=0)
    page = client.get("/")
    assert page.status_code == 200
    assert "Draft guidance on co-producing research: have your say" in page.content.decode()


def test_the_admin_asks_staff_to_sign_in(client):
    page = client.get("/admin/", follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0].startswith("/admin/login/")


def test_create_local_staff_prints_a_new_password_that_works_each_time(client, settings, capsys):
    settings.DEBUG = True
    call_command("create_local_staff")
    first = capsys.readouterr().out.split("password: ")[1].strip()
    call_command("create_local_staff")
    second = capsys.readouterr().out.split("password: ")[1].strip()
    assert first != second and len(second) >= 16
    assert client.login(username="admin", password=second)
    assert not client.login(username="admin", password=first)
