from django.urls import path

from apps.courses import views

app_name = "courses"

urlpatterns = [
    path("courses/", views.catalog, name="catalog"),
    path("courses/<slug:course>/", views.course_detail, name="course"),
    path("courses/<slug:course>/<slug:module>/<slug:lesson>/", views.lesson_detail, name="lesson"),
    path(
        "courses/<slug:course>/<slug:module>/<slug:lesson>/progress",
        views.lesson_progress,
        name="lesson_progress",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("art/v<int:version>/<slug:seed>.svg", views.cover, name="cover"),
    path("search/", views.search, name="search"),
]
