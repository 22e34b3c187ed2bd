from django.conf import settings


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "privacy_contact_email": settings.PRIVACY_CONTACT_EMAIL,  # the privacy notice's contact
    }
