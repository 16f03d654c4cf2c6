from django.urls import path

from apps.exercises import views

app_name = "exercises"

urlpatterns = [
    path("exercises/", views.exercise_list, name="list"),
    path("exercises/runs/<int:pk>/", views.run_detail, name="run"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise"),
    path("exercises/<slug:slug>/runs", views.exercise_run, name="run-create"),
]
