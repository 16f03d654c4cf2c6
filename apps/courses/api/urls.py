from django.urls import path

from apps.courses.api import progress, views

urlpatterns = [
    path("courses/", views.CourseListApi.as_view(), name="course-list"),
    path("courses/<slug:slug>/", views.CourseOutlineApi.as_view(), name="course-outline"),
    path(
        "lessons/<slug:course>/<slug:module>/<slug:lesson>/",
        views.LessonDetailApi.as_view(),
        name="lesson-detail",
    ),
    path("search/", views.LessonSearchApi.as_view(), name="lesson-search"),
    path("progress/", progress.ProgressApi.as_view(), name="progress"),
    path(
        "progress/lessons/<slug:course>/<slug:module>/<slug:lesson>/",
        progress.LessonProgressApi.as_view(),
        name="lesson-progress",
    ),
]
