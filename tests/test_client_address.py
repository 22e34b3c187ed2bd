"""Whose address a request is (guidance.responses.ratelimit.client_address): behind the TLS proxy every
request comes from the proxy, so the submission limit and the staff sign-in lockout count the
person's address from X-Forwarded-For, believing only what a trusted proxy wrote there. By default
only this machine is trusted; most tests here name a proxy on the private network, as an operator
whose proxy sits there does."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from guidance.models import Comment
from guidance.responses.ratelimit import client_address
from tests.journey_helpers import comment_data, section_url
from tests.test_settings import REAL_LOOKING_KEY, ROOT, load_settings

PROXY = "10.0.0.2"
PRIVATE_NETWORKS = ["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]


@pytest.fixture
def proxy_on_the_private_network(settings):
    settings.TRUSTED_PROXIES = PRIVATE_NETWORKS


def through_the_proxy(person, **extra):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=person, **extra)


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "person"),
    [
        ("203.0.113.7", "", "203.0.113.7"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", " 198.51.100.1 ,203.0.113.7 ", "203.0.113.7"),
        ("10.0.0.2", "203.0.113.7, 172.16.4.5", "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ("10.0.0.2", "10.0.0.3, 192.168.1.1", "10.0.0.3"),
        ("127.0.0.1", "2001:db8::5", "2001:db8::5"),
        ("10.0.0.2", "not-an-address, 203.0.113.7", "203.0.113.7"),
        ("::ffff:10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", "203.0.113.7:51234", "203.0.113.7"),
        ("10.0.0.2", "[2001:db8::5]:443", "2001:db8::5"),
    ],
    ids=[
        "no-proxy",
        "proxy-without-header",
        "one-proxy",
        "made-up-entry-left-of-the-proxys",
        "two-proxies",
        "header-sent-straight-to-the-portal",
        "every-hop-private",
        "ipv6-person",
        "garbage-left-of-the-proxys-entry",
        "ipv4-proxy-seen-over-ipv6",
        "ipv4-with-port",
        "ipv6-with-port",
    ],
)
def test_the_address_is_the_first_one_a_trusted_proxy_vouches_for(
    rf, proxy_on_the_private_network, remote_addr, forwarded_for, person
):
    request = rf.get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == person


def test_with_no_trusted_proxies_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")) == PROXY


def test_trusted_proxies_can_be_named_one_by_one(rf, settings):
    settings.TRUSTED_PROXIES = ["198.51.100.10"]
    via_named = rf.get("/", REMOTE_ADDR="198.51.100.10", HTTP_X_FORWARDED_FOR="203.0.113.7")
    via_other = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_address(via_named) == "203.0.113.7"
    assert client_address(via_other) == PROXY


@pytest.mark.django_db
def test_behind_the_proxy_each_person_has_their_own_submission_limit(
    consultation, section, settings, proxy_on_the_private_network
):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    url = section_url(section, consultation)
    first, second = through_the_proxy("203.0.113.7"), through_the_proxy("198.51.100.9")
    assert first.post(url, comment_data("First person.")).status_code == 302
    # Someone else at the first person's address: a new response, over that address's limit.
    assert through_the_proxy("203.0.113.7").post(url, comment_data("First address again.")).status_code == 429
    assert second.post(url, comment_data("Second person.")).status_code == 302
    assert sorted(Comment.objects.values_list("text", flat=True)) == ["First person.", "Second person."]


@pytest.mark.django_db
def test_an_ipv6_address_counts_by_its_64_network(consultation, section, settings, proxy_on_the_private_network):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    url = section_url(section, consultation)
    assert through_the_proxy("2001:db8:1:2::10").post(url, comment_data("First.")).status_code == 302
    assert through_the_proxy("2001:db8:1:2:ffff::99").post(url, comment_data("Same /64.")).status_code == 429
    assert through_the_proxy("2001:db8:1:3::10").post(url, comment_data("Next /64.")).status_code == 302
    assert sorted(Comment.objects.values_list("text", flat=True)) == ["First.", "Next /64."]


@pytest.mark.django_db
def test_a_made_up_forwarded_address_does_not_get_round_the_limit(
    consultation, section, settings, proxy_on_the_private_network
):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    url = section_url(section, consultation)
    assert Client(REMOTE_ADDR="203.0.113.7").post(url, comment_data("Sent.")).status_code == 302
    disguised = Client(REMOTE_ADDR="203.0.113.7").post(
        url, comment_data("Disguised."), HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert disguised.status_code == 429
    via_proxy = through_the_proxy("198.51.100.2, 203.0.113.7")
    assert via_proxy.post(url, comment_data("Disguised behind the proxy.")).status_code == 429
    assert list(Comment.objects.values_list("text", flat=True)) == ["Sent."]


@pytest.mark.django_db
def test_behind_the_proxy_a_staff_lockout_holds_only_the_address_that_failed(client, proxy_on_the_private_network):
    User.objects.create_user("alex", password="a-long-enough-password-1", is_staff=True)
    login = reverse("admin:login")
    guesser = through_the_proxy("203.0.113.66")
    for _ in range(5):
        guesser.post(login, {"username": "alex", "password": "wrong"})
    locked = guesser.post(login, {"username": "alex", "password": "a-long-enough-password-1"})
    assert locked.status_code == 429
    owner = through_the_proxy("198.51.100.9")
    assert owner.post(login, {"username": "alex", "password": "a-long-enough-password-1"}).status_code == 302


def test_by_default_only_this_machine_is_a_trusted_proxy():
    code = "import consult.settings as s; print(','.join(s.TRUSTED_PROXIES))"
    env = {key: value for key, value in os.environ.items() if key != "TRUSTED_PROXIES"}
    env.update(DJANGO_SECRET_KEY=REAL_LOOKING_KEY)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "127.0.0.0/8,::1", result.stderr


@pytest.mark.parametrize("remote_addr", ["10.0.0.2", "172.17.0.1", "192.168.1.10", "fd00::2"])
def test_by_default_a_private_address_cannot_choose_its_forwarded_address(rf, remote_addr):
    """A client on a private network, or behind a port forward that makes every connection come from
    a private address, is counted as that address whatever X-Forwarded-For it writes."""
    request = rf.get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_address(request) == remote_addr


def test_by_default_a_proxy_on_this_machine_is_believed(rf):
    assert client_address(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")) == "203.0.113.7"
    assert client_address(rf.get("/", REMOTE_ADDR="::1", HTTP_X_FORWARDED_FOR="203.0.113.8")) == "203.0.113.8"


@pytest.mark.django_db
def test_by_default_rotating_the_forwarded_address_from_a_private_network_does_not_get_round_the_limit(
    consultation, section, settings
):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    url = section_url(section, consultation)
    assert through_the_proxy("203.0.113.7").post(url, comment_data("Sent.")).status_code == 302
    assert through_the_proxy("198.51.100.1").post(url, comment_data("Rotated.")).status_code == 429
    assert list(Comment.objects.values_list("text", flat=True)) == ["Sent."]


def test_settings_refuse_a_trusted_proxy_that_is_not_an_address():
    result = load_settings(DJANGO_SECRET_KEY=REAL_LOOKING_KEY, TRUSTED_PROXIES="10.0.0.0/8,proxy.internal")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network" in result.stderr
