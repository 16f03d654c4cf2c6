from django.urls import path

from apps.classes.api import views

ASSIGNMENT = "classes/<int:pk>/assignments/<int:assignment_id>/"

urlpatterns = [
    path("classes/", views.ClassListApi.as_view(), name="class-list"),
    path("classes/join/", views.ClassJoinApi.as_view(), name="class-join"),
    path("classes/due/", views.DueItemsApi.as_view(), name="class-due"),
    path("classes/<int:pk>/", views.ClassDetailApi.as_view(), name="class-detail"),
    path(
        "classes/<int:pk>/invite/rotate/",
        views.ClassInviteRotateApi.as_view(),
        name="class-invite-rotate",
    ),
    path("classes/<int:pk>/roster/", views.RosterApi.as_view(), name="class-roster"),
    path("classes/<int:pk>/staff/", views.StaffAddApi.as_view(), name="class-staff"),
    path(
        "classes/<int:pk>/members/<int:member_id>/remove/",
        views.MemberRemoveApi.as_view(),
        name="class-member-remove",
    ),
    path(
        "classes/<int:pk>/members/<int:member_id>/restore/",
        views.MemberRestoreApi.as_view(),
        name="class-member-restore",
    ),
    path(
        "classes/<int:pk>/assignments/",
        views.AssignmentListApi.as_view(),
        name="class-assignments",
    ),
    path(ASSIGNMENT, views.AssignmentDetailApi.as_view(), name="class-assignment"),
    path(f"{ASSIGNMENT}overrides/", views.OverrideListApi.as_view(), name="class-overrides"),
    path(
        f"{ASSIGNMENT}overrides/<int:learner_id>/",
        views.OverrideDetailApi.as_view(),
        name="class-override",
    ),
    path("classes/<int:pk>/gradebook/", views.GradebookApi.as_view(), name="class-gradebook"),
    path("classes/<int:pk>/grades/", views.MyGradesApi.as_view(), name="class-my-grades"),
]
