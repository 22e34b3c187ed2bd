import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
# The web process: its database connections get the web's statement and lock timeouts (settings).
os.environ["PORTAL_PROCESS"] = os.environ.get("PORTAL_PROCESS") or "web"

application = get_wsgi_application()
