from django.urls import path

from apps.exercises.api import views

urlpatterns = [
    path("exercises/", views.ExerciseListApi.as_view(), name="exercise-list"),
    path("exercises/<slug:slug>/", views.ExerciseDetailApi.as_view(), name="exercise-detail"),
    path("exercises/<slug:slug>/runs/", views.RunCreateApi.as_view(), name="run-create"),
    path("runs/", views.RunListApi.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.RunDetailApi.as_view(), name="run-detail"),
    path(
        "lessons/<slug:course>/<slug:module>/<slug:lesson>/blocks/<int:block>/runs/",
        views.LessonBlockRunApi.as_view(),
        name="lesson-block-run",
    ),
    path("block-runs/<int:pk>/", views.BlockRunDetailApi.as_view(), name="block-run-detail"),
]
