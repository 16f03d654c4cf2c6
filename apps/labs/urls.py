from django.urls import path

from apps.labs import views
from apps.live.urls import JoinCodeConverter  # noqa: F401  (registers "joincode")

app_name = "labs"

urlpatterns = [
    path("labs/", views.index, name="index"),
    path("labs/join", views.join, name="join"),
    path("labs/new", views.create, name="create"),
    path("labs/<joincode:code>/", views.play, name="play"),
    path("labs/<joincode:code>/join", views.join_code, name="join-code"),
    path("labs/<joincode:code>/runs", views.run_create, name="run-create"),
    path("labs/<joincode:code>/host/", views.host, name="host"),
    path("labs/<joincode:code>/qr.svg", views.qr_svg, name="qr"),
    path("labs/<joincode:code>/results/", views.results, name="results"),
    path("labs/<joincode:code>/results.csv", views.results_csv, name="results-csv"),
]
