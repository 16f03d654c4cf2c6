from django.urls import path, register_converter

from apps.live import views
from apps.live.models import CODE_LENGTH

app_name = "live"


class JoinCodeConverter:
    """Six letters or digits; case-insensitive (stored upper case)."""

    regex = f"[A-Za-z0-9]{{{CODE_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value).upper()


register_converter(JoinCodeConverter, "joincode")

urlpatterns = [
    path("live/", views.index, name="index"),
    path("live/join", views.join, name="join"),
    path("live/new", views.create, name="create"),
    path("live/<joincode:code>/", views.play, name="play"),
    path("live/<joincode:code>/join", views.join, name="join-code"),
    path("live/<joincode:code>/host/", views.host, name="host"),
    path("live/<joincode:code>/qr.svg", views.qr_svg, name="qr"),
    path("live/<joincode:code>/results/", views.results, name="results"),
    path("live/<joincode:code>/results.csv", views.results_csv, name="results-csv"),
]
