from django.urls import path, register_converter

from apps.classes import views

app_name = "classes"


class InviteCodeConverter:
    """An invite code as typed or linked: letters, digits and dashes (normalised by the
    service)."""

    regex = "[A-Za-z0-9-]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class FeedKeyConverter:
    """A private calendar key (``secrets.token_urlsafe``)."""

    regex = "[A-Za-z0-9_-]{16,100}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(InviteCodeConverter, "invitecode")
register_converter(FeedKeyConverter, "feedkey")

urlpatterns = [
    path("classes/", views.index, name="index"),
    path("classes/new/", views.create, name="create"),
    path("classes/join/", views.join, name="join"),
    path("classes/join/<invitecode:code>/", views.join_link, name="join-link"),
    path("classes/calendar/<feedkey:key>.ics", views.calendar_feed, name="calendar"),
    path("classes/calendar/new", views.calendar_rotate, name="calendar-rotate"),
    path("classes/calendar/revoke", views.calendar_revoke, name="calendar-revoke"),
    path("classes/<int:pk>/", views.detail, name="detail"),
    path("classes/<int:pk>/roster/", views.roster, name="roster"),
    path("classes/<int:pk>/roster/staff", views.staff_add, name="staff-add"),
    path(
        "classes/<int:pk>/roster/<int:member_id>/remove",
        views.member_change,
        {"action": "remove"},
        name="member-remove",
    ),
    path(
        "classes/<int:pk>/roster/<int:member_id>/restore",
        views.member_change,
        {"action": "restore"},
        name="member-restore",
    ),
    path("classes/<int:pk>/assignments/new/", views.assignment_new, name="assignment-new"),
    path(
        "classes/<int:pk>/assignments/<int:assignment_id>/",
        views.assignment_detail,
        name="assignment",
    ),
    path(
        "classes/<int:pk>/assignments/<int:assignment_id>/delete/",
        views.assignment_delete,
        name="assignment-delete",
    ),
    path(
        "classes/<int:pk>/assignments/<int:assignment_id>/overrides",
        views.override_set,
        name="override-set",
    ),
    path(
        "classes/<int:pk>/assignments/<int:assignment_id>/overrides/<int:user_id>/revoke",
        views.override_revoke,
        name="override-revoke",
    ),
    path("classes/<int:pk>/gradebook/", views.gradebook, name="gradebook"),
    path("classes/<int:pk>/gradebook/<int:user_id>/", views.learner_grades, name="learner"),
    path("classes/<int:pk>/work/attempts/<int:work_id>/", views.work_attempt, name="work-attempt"),
    path("classes/<int:pk>/work/runs/<int:work_id>/", views.work_run, name="work-run"),
    path("classes/<int:pk>/analysis/", views.analysis, name="analysis"),
    path("classes/<int:pk>/settings/", views.settings_page, name="settings"),
    path("classes/<int:pk>/settings/invite", views.invite_rotate, name="invite-rotate"),
]
