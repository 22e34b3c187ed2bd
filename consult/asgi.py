import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
os.environ["PORTAL_PROCESS"] = os.environ.get("PORTAL_PROCESS") or "web"  # the web's database timeouts (settings)

application = get_asgi_application()
