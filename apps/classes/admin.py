"""Classes in the admin: classes with their instructors and teaching assistants inline
(learners are counted, and managed on the class's roster page), assignments with their
overrides inline, overrides, and read-only calendar feeds and reminders.

Every save goes through ``apps.classes.services`` (``class_create``, ``class_update``,
``class_staff_add``, ``member_remove``/``member_restore``, ``assignment_create``/
``update``/``delete``, ``override_set``/``delete``, …), so the admin validates and
decides exactly as the pages and the APIs do. A refusal rolls the whole save back (the
admin's own transaction: nothing of it is written) and the same form comes back with
the service's message on the field it names (``ServiceAdmin.changeform_view``).

Who sees what: an instructor (group ``instructor``, with ``is_staff`` to enter the
admin) sees and changes only the classes they teach — an active instructor membership —
and their assignments, overrides and reminders; another class's pages are "not found".
A teaching assistant gets nothing here unless they also teach the class. Superusers,
and staff who are not instructors, see every class.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q, QuerySet
from django.forms.models import construct_instance
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.classes import selectors, services
from apps.classes.models import (
    STAFF_ROLES,
    Assignment,
    CalendarFeed,
    Classroom,
    Membership,
    Override,
    Reminder,
    Role,
)
from apps.core.admin_labels import LabelledAdminMixin, LabelledTabularInline
from apps.core.errors import ApplicationError

REFUSAL = "_classes_admin_refusal"  # the request attribute holding a service's refusal


# --------------------------------------------------------------------------- scope


def sees_every_class(request: HttpRequest) -> bool:
    """The selectors' rule (superusers, and staff who are not instructors)."""
    return selectors.sees_every_class(request.user)


def taught_classes(request: HttpRequest) -> QuerySet[Classroom]:
    """The classes the admin shows this user: those they teach (an active instructor
    membership — a teaching assistant's are not), or every class."""
    if sees_every_class(request):
        return Classroom.objects.all()
    return Classroom.objects.filter(
        pk__in=Membership.objects.filter(
            user_id=request.user.pk or 0, role=Role.INSTRUCTOR, removed_at__isnull=True
        ).values("classroom_id")
    )


def learners_of(classes: QuerySet[Classroom]) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            pk__in=Membership.objects.filter(
                classroom__in=classes, role=Role.LEARNER, removed_at__isnull=True
            ).values("user_id")
        )
        .order_by("username")
    )


def adopt(obj: Any, saved: Any) -> None:
    """Make the admin's instance the row the service wrote: the admin goes on with it
    (the inlines, the change message, the redirect)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
    obj.refresh_from_db()


class RowRefused(ApplicationError):
    """A service's refusal of one inline row, named for the form it is shown on."""


def attach(form: forms.BaseForm, error: ApplicationError, aliases: dict[str, str]) -> None:
    """Put a service's refusal on the form: on the field it names, else on the form."""
    for name, problems in error.extra.items():
        field = aliases.get(name, name)
        if field in form.fields and isinstance(problems, list | tuple):
            form.add_error(field, error.message)
            return
    form.add_error(None, error.message)


class ServiceForm(forms.ModelForm):
    """The service validates and writes. The model's own checks would only repeat its
    rules in the database's words ("Constraint … is violated"), so the form builds the
    instance the admin needs and leaves the rules to the service."""

    def _post_clean(self) -> None:
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)


class ServiceAdmin(LabelledAdminMixin, admin.ModelAdmin):
    """A class-scoped admin whose saves go through the services.

    ``scope`` is the path from the model to its class (empty for the class itself);
    ``aliases`` map the services' field names to the form's."""

    scope = ""
    aliases: dict[str, str] = {}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if sees_every_class(request):
            return queryset
        return queryset.filter(**{f"{self.scope or 'pk'}__in": taught_classes(request)})

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:  # another instructor's, or none at all: the same answer
            raise Http404("No such object.")
        return obj

    def zone_for(self, request: HttpRequest, object_id: str | None) -> Any:
        """The time zone the change form reads and shows times in."""
        return timezone.get_current_timezone()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        with timezone.override(self.zone_for(request, object_id)):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except ApplicationError as error:
                if request.method != "POST" or hasattr(request, REFUSAL):
                    raise
                # The admin's transaction rolled back: nothing of this save was written.
                # The same form again, with the service's refusal on it.
                setattr(request, REFUSAL, error)
                return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        refusal: ApplicationError | None = getattr(request, REFUSAL, None)
        if refusal is None:
            return form
        caught: ApplicationError = refusal
        aliases = self.aliases

        class Refused(form):  # type: ignore[valid-type,misc]
            def clean(self) -> Any:
                cleaned = super().clean()
                attach(self, caught, aliases)
                return cleaned

        return Refused

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No form.save_m2m(): the service wrote the relations.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def refuse_row(self, who: str, error: ApplicationError) -> RowRefused:
        return RowRefused(f"{who}: {error.message}")


# --------------------------------------------------------------------------- classes


class MembershipForm(ServiceForm):
    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="To add a co-instructor or a teaching assistant, their username.",
    )
    removed = forms.BooleanField(
        required=False, help_text="Removed from the class (their work is kept)."
    )

    class Meta:
        model = Membership
        fields = ("role",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["username"] = self.instance.user.username
            self.initial["removed"] = self.instance.removed_at is not None
            self.fields["username"].disabled = True
            self.fields["role"].disabled = True
        else:  # learners join with the invite code; staff are added here
            role: Any = self.fields["role"]
            role.choices = [(r.value, r.label) for r in STAFF_ROLES]
            self.initial["role"] = Role.TA
            self.fields["removed"].disabled = True

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.instance.pk and self.has_changed() and not (cleaned or {}).get("username"):
            self.add_error("username", "The username of the instructor or assistant to add.")
        return cleaned


class MembershipInline(LabelledTabularInline):
    """The class's instructors and teaching assistants. Learners join with the invite
    code and are managed on the class's roster page: a class of a thousand would be a
    thousand rows here."""

    model = Membership
    form = MembershipForm
    fields = ("username", "role", "joined_at", "removed", "removed_at", "removed_by")
    readonly_fields = ("joined_at", "removed_at", "removed_by")
    ordering = ("role", "user__username")
    extra = 0
    can_delete = False  # a member is removed (the row and their work stay), never deleted
    verbose_name = "instructor or teaching assistant"
    verbose_name_plural = "instructors and teaching assistants"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # Each row shows the member's str(), which names the class too.
        return (
            super()
            .get_queryset(request)
            .filter(role__in=STAFF_ROLES)
            .select_related("user", "removed_by", "classroom")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Adding staff is a change of the class's membership (``class_staff_add``).
        return self.has_change_permission(request, obj)


class ClassroomForm(ServiceForm):
    class Meta:
        model = Classroom
        fields = ("course", "name", "term", "time_zone", "invite_open", "enrolment_cap",
                  "counted_attempt", "late_days", "exercise_scoring")  # fmt: skip


@admin.register(Classroom)
class ClassroomAdmin(ServiceAdmin):
    list_display = (
        "name", "term", "course", "invite_code", "invite_open", "learners", "created_at",
    )  # fmt: skip
    list_filter = ("invite_open", ("course", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "term", "invite_code")
    list_select_related = ("course",)
    inlines = (MembershipInline,)
    actions = ("rotate_invite",)
    fieldsets = (
        (None, {"fields": ("course", "name", "term", "time_zone")}),
        ("Joining", {"fields": ("invite_code", "invite_open", "enrolment_cap", "roster")}),
        ("Grading policy", {"fields": ("counted_attempt", "late_days", "exercise_scoring")}),
        ("Record", {"fields": ("created_by", "created_at", "updated_at"),
                    "classes": ("collapse",)}),
    )  # fmt: skip
    form = ClassroomForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Classroom]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _learners=Count(
                    "members",
                    filter=Q(members__role=Role.LEARNER, members__removed_at__isnull=True),
                )
            )
        )

    @admin.display(description="Learners", ordering="_learners")
    def learners(self, obj: Classroom) -> int:
        return int(getattr(obj, "_learners", 0))

    @admin.display(description="Learners")
    def roster(self, obj: Classroom) -> SafeString:
        if not obj.pk:
            return format_html("{}", "Learners join with the invite code.")
        return format_html(
            '{} — removed and restored on <a href="{}">the class\'s roster</a>.',
            intcomma(self.learners(obj)),
            reverse("classes:roster", kwargs={"pk": obj.pk}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("invite_code", "roster", "created_by", "created_at", "updated_at")
        return ("course", *fixed) if obj is not None else fixed  # a class keeps its course

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "course":
            from apps.courses.models import Course

            kwargs["queryset"] = Course.objects.filter(status="published")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # no service deletes a class: its learners' grades are read from it

    def save_model(self, request: HttpRequest, obj: Classroom, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {k: data[k] for k in form.changed_data if k in services.UPDATABLE}
            if changes:
                services.class_update(user=request.user, classroom_id=obj.pk, **changes)
            obj.refresh_from_db()
            return
        created = services.class_create(
            user=request.user,
            course=data["course"],
            name=data["name"],
            term=data.get("term", ""),
            enrolment_cap=data.get("enrolment_cap"),
            time_zone=data.get("time_zone") or "UTC",
        )
        policy = ("invite_open", "counted_attempt", "late_days", "exercise_scoring")
        services.class_update(
            user=request.user,
            classroom_id=created.pk,
            **{name: data[name] for name in policy if name in data},
        )
        adopt(obj, created)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        classroom = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if not row.has_changed():
                continue
            data = row.cleaned_data
            member = row.instance
            try:
                if member.pk is None:
                    added = services.class_staff_add(
                        user=request.user,
                        classroom_id=classroom.pk,
                        username=data["username"],
                        role=data["role"],
                    )
                    formset.new_objects.append(added)
                elif data["removed"] and member.removed_at is None:
                    services.member_remove(
                        user=request.user, classroom_id=classroom.pk, member_id=member.pk
                    )
                    formset.changed_objects.append((member, ["removed"]))
                elif not data["removed"] and member.removed_at is not None:
                    services.member_restore(
                        user=request.user, classroom_id=classroom.pk, member_id=member.pk
                    )
                    formset.changed_objects.append((member, ["removed"]))
            except ApplicationError as error:
                who = data.get("username") or member.user.username
                raise self.refuse_row(f"Member {who}", error) from error

    @admin.action(description="Rotate the invite code (the old one stops working)")
    def rotate_invite(self, request: HttpRequest, queryset: QuerySet[Classroom]) -> None:
        for classroom in queryset:
            try:
                rotated = services.class_invite_rotate(user=request.user, classroom_id=classroom.pk)
            except ApplicationError as error:
                self.message_user(request, f"{classroom}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{classroom}: the invite code is now {rotated.invite_code}."
                )


# --------------------------------------------------------------------------- assignments


class OverrideForm(ServiceForm):
    class Meta:
        model = Override
        fields = ("assignment", "user", "due_at", "extra_quiz_minutes", "excused", "reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "user" in self.fields:
            # An override is one learner's for good: their name, not a list of every
            # learner of the class for each row (one query a row).
            self.fields["user"] = forms.CharField(
                label=self.fields["user"].label, disabled=True, required=False
            )
            self.initial["user"] = self.instance.user.get_username()


class OverrideInline(LabelledTabularInline):
    model = Override
    form = OverrideForm
    fields = ("user", "due_at", "extra_quiz_minutes", "excused", "reason", "granted_by",
              "granted_at")  # fmt: skip
    readonly_fields = ("granted_by", "granted_at")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Override]:
        return super().get_queryset(request).select_related("user", "granted_by", "assignment")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        user_field: Any = formset.form.base_fields.get("user")
        if user_field is not None and obj is not None:  # the class's learners
            user_field.queryset = learners_of(Classroom.objects.filter(pk=obj.classroom_id))
        return formset


class AssignmentForm(ServiceForm):
    class Meta:
        model = Assignment
        fields = ("classroom", "title", "kind", "order", "weight", "module", "quiz",
                  "exercises", "live_session", "opens_at", "due_at", "late_policy",
                  "penalty_per_day", "penalty_cap")  # fmt: skip


class AssignmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.classroom} · {obj.title}"


@admin.register(Assignment)
class AssignmentAdmin(ServiceAdmin):
    scope = "classroom"
    aliases = {"quiz_id": "quiz", "module_id": "module", "live_session_id": "live_session",
               "exercise_ids": "exercises"}  # fmt: skip
    list_display = ("title", "classroom", "kind", "opens_at", "due_at", "late_policy", "weight")
    list_filter = ("kind", "late_policy", ("classroom", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "classroom__name")
    list_select_related = ("classroom",)
    date_hierarchy = "due_at"
    filter_horizontal = ("exercises",)
    inlines = (OverrideInline,)
    fieldsets = (
        (None, {"fields": ("classroom", "title", "kind", "order", "weight")}),
        ("The work", {
            "fields": ("module", "quiz", "exercises", "live_session"),
            "description": "What its kind needs, from the class's course: a module to read, "
                           "a quiz, code exercises or a live session.",
        }),
        ("Times", {
            "fields": ("opens_at", "due_at", "late_policy", "penalty_per_day", "penalty_cap"),
            "description": "In the class's time zone once the assignment is saved.",
        }),
        ("Record", {"fields": ("created_by", "created_at", "updated_at"),
                    "classes": ("collapse",)}),
    )  # fmt: skip
    form = AssignmentForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("created_by", "created_at", "updated_at")
        return ("classroom", *fixed) if obj is not None else fixed

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Overrides are for the learners of a class: once the assignment has one.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def zone_for(self, request: HttpRequest, object_id: str | None) -> Any:
        import zoneinfo

        classes = taught_classes(request)
        if object_id:
            classes = classes.filter(assignments__pk=object_id if object_id.isdigit() else 0)
        else:
            raw = request.POST.get("classroom") or request.GET.get("classroom") or ""
            classes = classes.filter(pk=raw if raw.isdigit() else 0)
        zone = classes.values_list("time_zone", flat=True).first()
        return zoneinfo.ZoneInfo(zone) if zone else super().zone_for(request, object_id)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "classroom":
            kwargs["queryset"] = taught_classes(request)
        elif db_field.name == "quiz":
            from apps.quizzes.models import Quiz

            kwargs["queryset"] = Quiz.objects.filter(status="published")
        elif db_field.name == "module":
            kwargs["queryset"] = db_field.related_model.objects.select_related("course")
        elif db_field.name == "live_session":
            # Each is shown with its quiz's title. Join codes are not for everyone: an
            # instructor is offered their own sessions, or one already set for a class
            # they teach.
            sessions = db_field.related_model.objects.select_related("quiz")
            kwargs["queryset"] = (
                sessions
                if sees_every_class(request)
                else sessions.filter(
                    Q(host=request.user)
                    | Q(
                        pk__in=Assignment.objects.filter(
                            classroom__in=taught_classes(request)
                        ).values("live_session_id")
                    )
                )
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "exercises":
            kwargs["queryset"] = db_field.related_model.objects.filter(status="published")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields: dict[str, Any] = {
            name: data.get(name)
            for name in ("title", "kind", "opens_at", "due_at", "late_policy",
                         "penalty_per_day", "penalty_cap", "weight", "order")
        }  # fmt: skip
        for name in ("module", "quiz", "live_session"):
            fields[f"{name}_id"] = getattr(data.get(name), "pk", None)
        fields["exercise_ids"] = [e.pk for e in data.get("exercises") or []]
        if change:
            saved = services.assignment_update(
                user=request.user, classroom_id=obj.classroom_id, assignment_id=obj.pk, **fields
            )
        else:
            saved = services.assignment_create(
                user=request.user, classroom_id=data["classroom"].pk, **fields
            )
        adopt(obj, saved)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        assignment = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = set(formset.deleted_forms)
        for row in formset.forms:
            override = row.instance
            data = row.cleaned_data
            try:
                if row in deleted:
                    if override.pk is not None:
                        services.override_delete(
                            user=request.user,
                            classroom_id=assignment.classroom_id,
                            assignment_id=assignment.pk,
                            learner_id=override.user_id,
                        )
                        formset.deleted_objects.append(override)
                    continue
                if not row.has_changed():
                    continue
                saved = services.override_set(
                    user=request.user,
                    classroom_id=assignment.classroom_id,
                    assignment_id=assignment.pk,
                    learner_id=override.user_id if override.pk else data["user"].pk,
                    due_at=data.get("due_at"),
                    extra_quiz_minutes=data.get("extra_quiz_minutes") or 0,
                    excused=bool(data.get("excused")),
                    reason=data.get("reason") or "",
                )
            except ApplicationError as error:
                who = override.user.get_username() if override.pk else data["user"].get_username()
                raise self.refuse_row(f"Override for {who}", error) from error
            if override.pk is None:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, row.changed_data))

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        services.assignment_delete(
            user=request.user, classroom_id=obj.classroom_id, assignment_id=obj.pk
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        for assignment in queryset:
            self.delete_model(request, assignment)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # An assignment's reminders (a record of e-mails sent) go with it; nobody deletes
        # reminders on their own, so their permission is not asked for.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(str(Reminder._meta.verbose_name))
        return deleted, counts, perms_needed, protected


@admin.register(Override)
class OverrideAdmin(ServiceAdmin):
    scope = "assignment__classroom"
    aliases = {"learner": "user"}
    form = OverrideForm
    list_display = ("user", "assignment", "classroom", "due_at", "extra_quiz_minutes",
                    "excused", "granted_by", "granted_at")  # fmt: skip
    list_filter = ("excused", ("assignment__classroom", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "assignment__title", "reason")
    list_select_related = ("user", "assignment__classroom", "granted_by")
    fields = ("assignment", "user", "due_at", "extra_quiz_minutes", "excused", "reason",
              "granted_by", "granted_at")  # fmt: skip

    @admin.display(description="Class", ordering="assignment__classroom__name")
    def classroom(self, obj: Override) -> str:
        return str(obj.assignment.classroom)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("granted_by", "granted_at")
        return ("assignment", "user", *fixed) if obj is not None else fixed

    def zone_for(self, request: HttpRequest, object_id: str | None) -> Any:
        import zoneinfo

        classes = taught_classes(request)
        if object_id:
            key = object_id if object_id.isdigit() else 0
            classes = classes.filter(assignments__overrides__pk=key)
        else:
            raw = request.POST.get("assignment") or request.GET.get("assignment") or ""
            classes = classes.filter(assignments__pk=raw if raw.isdigit() else 0)
        zone = classes.values_list("time_zone", flat=True).first()
        return zoneinfo.ZoneInfo(zone) if zone else super().zone_for(request, object_id)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assignment":
            kwargs["queryset"] = Assignment.objects.filter(
                classroom__in=taught_classes(request)
            ).select_related("classroom")
            kwargs["form_class"] = AssignmentChoice
        elif db_field.name == "user":
            kwargs["queryset"] = learners_of(taught_classes(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Override, form: Any, change: bool) -> None:
        data = form.cleaned_data
        assignment = obj.assignment
        saved = services.override_set(
            user=request.user,
            classroom_id=assignment.classroom_id,
            assignment_id=assignment.pk,
            learner_id=obj.user_id,
            due_at=data.get("due_at"),
            extra_quiz_minutes=data.get("extra_quiz_minutes") or 0,
            excused=bool(data.get("excused")),
            reason=data.get("reason") or "",
        )
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Override) -> None:
        services.override_delete(
            user=request.user,
            classroom_id=obj.assignment.classroom_id,
            assignment_id=obj.assignment_id,
            learner_id=obj.user_id,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Override]) -> None:
        for override in queryset.select_related("assignment"):
            self.delete_model(request, override)


# --------------------------------------------------------------------------- read-only records


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has a calendar URL, since when. The key is never stored, and its hash is not
    shown either. Deleting one revokes it (``calendar_feed_revoke``)."""

    list_display = ("user", "created_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarFeed]:
        queryset = super().get_queryset(request)
        # A learner's own feed spans every class: platform staff only.
        return queryset if sees_every_class(request) else queryset.none()

    def delete_model(self, request: HttpRequest, obj: CalendarFeed) -> None:
        services.calendar_feed_revoke(user=obj.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        for feed in queryset.select_related("user"):
            self.delete_model(request, feed)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """The due-date reminders sent: one per learner, assignment and due time."""

    list_display = ("assignment", "classroom", "user", "due_at", "sent_at")
    list_filter = (("assignment__classroom", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("user__username", "assignment__title")
    list_select_related = ("assignment__classroom", "user")
    date_hierarchy = "sent_at"
    fields = ("assignment", "user", "due_at", "sent_at")
    readonly_fields = fields

    @admin.display(description="Class")
    def classroom(self, obj: Reminder) -> str:
        return str(obj.assignment.classroom)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        queryset = super().get_queryset(request)
        if sees_every_class(request):
            return queryset
        return queryset.filter(assignment__classroom__in=taught_classes(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the row is what keeps a reminder from going twice
