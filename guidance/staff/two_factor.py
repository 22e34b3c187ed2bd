"""Staff's second factor: a code from an authenticator app (TOTP, through django-otp), asked for
after the password when settings.STAFF_TWO_FACTOR is on. Each staff member has at most one
device: unconfirmed while they set it up, confirmed once it gave a right code."""

import base64

import segno
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def device_to_set_up(user):
    """The device someone is setting up: the same one each time they see the set-up page, so a
    key already scanned keeps working until they confirm it."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": DEVICE_NAME})
    return device


def secret_key(device):
    """The key as an app takes it typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device):
    """The device's otpauth: address as a QR code, in SVG to put in the page itself: the
    Content-Security-Policy allows no data: image, and an image at an address of its own would be
    one more page to give the secret."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code of the key", svgclass="qr-code")
    # Safe: segno writes only its own markup and the title above. The role makes screen readers
    # read the title as the image's name.
    return mark_safe('<svg role="img"' + svg.removeprefix("<svg"))  # noqa: S308


RIGHT, WRONG, TOO_SOON = "right", "wrong", "too soon"


@transaction.atomic
def check_code(device, code):
    """RIGHT, WRONG, or TOO_SOON after wrong codes: django-otp then refuses any code for a while
    (1, 2, 4, 8… seconds), which keeps guessing a 6-digit code hopeless. A right code confirms a
    device being set up. The row is locked, so two codes sent at once are counted one after the
    other."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_is_allowed()[0]:
        return TOO_SOON
    if not device.verify_token(code):
        return WRONG
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return RIGHT


def reset(user):
    """Forget someone's authenticator app (lost or replaced): they set up a new one at their next
    sign-in. Returns how many devices were removed."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return count
