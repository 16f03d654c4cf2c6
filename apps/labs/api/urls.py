from django.urls import path

from apps.labs.api import views
from apps.live.urls import JoinCodeConverter  # noqa: F401  (registers "joincode")

urlpatterns = [
    path("labs/", views.LabListApi.as_view(), name="lab-list"),
    path("labs/<joincode:code>/join/", views.LabJoinApi.as_view(), name="lab-join"),
    path(
        "labs/<joincode:code>/exercises/<slug:slug>/runs/",
        views.LabRunCreateApi.as_view(),
        name="lab-run-create",
    ),
    path("labs/<joincode:code>/actions/", views.LabActionApi.as_view(), name="lab-action"),
    path("labs/<joincode:code>/hints/", views.LabHintApi.as_view(), name="lab-hint"),
    path("labs/<joincode:code>/unlock/", views.LabUnlockApi.as_view(), name="lab-unlock"),
    path("labs/<joincode:code>/results/", views.LabResultsApi.as_view(), name="lab-results"),
]
