"""The licences a consultation's published responses can be offered under as open data."""

from django.db import models


class Licence(models.TextChoices):
    """The licence an organisation publishes a consultation's responses under, as open data
    (docs/open-data.md): a few well-known ones, each with the address of its text (LICENCE_URLS)."""

    OGL_3 = "ogl-3", "Open Government Licence v3.0"
    CC_BY_4 = "cc-by-4", "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    CC0 = "cc0", "Creative Commons CC0 1.0 Universal (public domain dedication)"


LICENCE_URLS = {
    Licence.OGL_3: "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}
