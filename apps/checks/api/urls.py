from django.urls import path

from apps.checks.api import views

urlpatterns = [
    path(
        "lessons/<slug:course>/<slug:module>/<slug:lesson>/checks/",
        views.LessonChecksApi.as_view(),
        name="lesson-checks",
    ),
    path("checks/<int:pk>/answer/", views.CheckAnswerApi.as_view(), name="check-answer"),
]
