from django.urls import path

from apps.live.api import views

urlpatterns = [
    path("live/sessions/", views.LiveSessionListApi.as_view(), name="live-session-list"),
    path(
        "live/sessions/<int:pk>/", views.LiveSessionDetailApi.as_view(), name="live-session-detail"
    ),
    path("live/sessions/<int:pk>/teams/", views.LiveTeamListApi.as_view(), name="live-team-list"),
    path(
        "live/sessions/<int:pk>/teams/shuffle/",
        views.LiveTeamShuffleApi.as_view(),
        name="live-team-shuffle",
    ),
    path(
        "live/sessions/<int:pk>/teams/<int:team_id>/",
        views.LiveTeamDetailApi.as_view(),
        name="live-team-detail",
    ),
    path(
        "live/sessions/<int:pk>/players/<int:player_id>/",
        views.LivePlayerDetailApi.as_view(),
        name="live-player-detail",
    ),
    path("live/results/", views.LiveResultListApi.as_view(), name="live-result-list"),
]
