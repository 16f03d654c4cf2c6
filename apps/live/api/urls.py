from django.urls import path

from apps.live.api import views

urlpatterns = [
    path("live/sessions/", views.LiveSessionListApi.as_view(), name="live-session-list"),
    path(
        "live/sessions/<int:pk>/", views.LiveSessionDetailApi.as_view(), name="live-session-detail"
    ),
    path("live/results/", views.LiveResultListApi.as_view(), name="live-result-list"),
]
