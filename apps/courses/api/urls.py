from django.urls import path

from apps.courses.api import views

urlpatterns = [
    path("courses/", views.CourseListApi.as_view(), name="course-list"),
    path("courses/<slug:slug>/", views.CourseOutlineApi.as_view(), name="course-outline"),
    path(
        "lessons/<slug:course>/<slug:module>/<slug:lesson>/",
        views.LessonDetailApi.as_view(),
        name="lesson-detail",
    ),
    path("search/", views.LessonSearchApi.as_view(), name="lesson-search"),
]
