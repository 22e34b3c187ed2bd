from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "guidance"
    verbose_name = "Consultation portal"

    def ready(self):
        from guidance import checks  # noqa: F401  (registers the system checks)
        from guidance.consultations import changed

        changed.connect()
