"""GraphQL for classes: every query and mutation for the five kinds of people, the
refusals with their stable ``extensions.code`` (and nothing half-written), joining with
its rate limit, and the gradebook in a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.classes import services
from apps.classes.models import Assignment, Classroom, Membership, Override
from tests.classes.conftest import World, assignment_times
from tests.classes.test_api import (
    ROLES,
    add_learners,
    big_class,
    client_for,
    clients,
    quiz_assignment,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OK = "ok"
CLASS = """id name term course course_title role url settings { invite_code invite_open
  enrolment_cap time_zone counted_attempt late_days exercise_scoring }"""
STANDING = "status score raw penalty days_late submitted_at refs { kind id }"
ASSIGNMENT = f"""id class_id title kind module quiz exercises live_session opens_at due_at
  late_policy penalty_per_day penalty_cap weight order my_due_at standing {{ {STANDING} }}"""
MEMBER = "id user_id username name role joined_at removed_at"
ROSTER = f"{MEMBER} last_activity lessons_done lessons_total progress_percent"
ROW = f"member_id user_id username name total cells {{ assignment due_at {STANDING} }}"
OVERRIDE = """assignment learner_id username name due_at extra_quiz_minutes excused reason
  granted_by granted_at"""


def ask(client: Any, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", {"query": query, "variables": variables}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def data_of(client: Any, query: str, **variables: Any) -> Any:
    body = ask(client, query, **variables)
    assert "errors" not in body, body
    (value,) = body["data"].values()
    return value


def code_of(client: Any, query: str, **variables: Any) -> str:
    body = ask(client, query, **variables)
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else OK


def error_of(client: Any, query: str, **variables: Any) -> dict[str, Any]:
    body = ask(client, query, **variables)
    assert body.get("errors"), body
    return body["errors"][0]


# --------------------------------------------------------------------------- who may do what


def graphql_table(world: World) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    assignment = quiz_assignment(world)
    learner = Membership.objects.get(classroom=world.classroom, user=world.learner)
    ta = Membership.objects.get(classroom=world.classroom, user=world.ta)
    opens, due = assignment_times()
    ids = {"c": world.classroom.pk, "a": assignment.pk}

    def only(**codes: str) -> dict[str, str]:
        return {**dict.fromkeys(ROLES, "class_not_found"), "anonymous": "not_authenticated",
                **codes}  # fmt: skip

    members = only(instructor=OK, ta=OK, learner=OK)
    staff = only(instructor=OK, ta=OK)
    change = only(instructor=OK, ta="not_instructor")
    signed_in = {**dict.fromkeys(ROLES, OK), "anonymous": "not_authenticated"}
    created = {**dict.fromkeys(ROLES, "cannot_create_classes"), "instructor": OK,
               "anonymous": "not_authenticated"}  # fmt: skip
    return [
        ("{ classes { count } }", {}, signed_in),
        ("{ due_items { count } }", {}, signed_in),
        ("query($c: Int!) { class(id: $c) { id } }", ids, members),
        ("query($c: Int!) { class_roster(class_id: $c) { count } }", ids, staff),
        ("query($c: Int!) { class_assignments(class_id: $c) { count } }", ids, members),
        ("query($c: Int!, $a: Int!) { assignment_overrides(class_id: $c, assignment_id: $a) "
         "{ count } }", ids, staff),
        ("query($c: Int!) { class_gradebook(class_id: $c) { count } }", ids, staff),
        ("query($c: Int!) { my_grades(class_id: $c) { class_id } }", ids, only(learner=OK)),
        ("mutation($code: String!) { class_join(code: $code) { class { id } } }",
         {"code": world.classroom.invite_code}, signed_in),
        ('mutation($c: Int!) { class_update(class_id: $c, term: "Autumn") { class { id } } }',
         ids, change),
        ("mutation($c: Int!) { class_invite_rotate(class_id: $c) { class { id } } }", ids, change),
        ('mutation($c: Int!) { class_staff_add(class_id: $c, username: "assistant", role: "ta") '
         "{ member { id } } }", ids, change),
        ("mutation($c: Int!, $m: Int!) { member_remove(class_id: $c, member_id: $m) "
         "{ member { id } } }", {**ids, "m": ta.pk}, change),
        ("mutation($c: Int!, $m: Int!) { member_restore(class_id: $c, member_id: $m) "
         "{ member { id } } }", {**ids, "m": ta.pk}, change),
        ('mutation($c: Int!, $q: String!, $o: DateTime!, $d: DateTime!) { assignment_create('
         'class_id: $c, title: "Quiz 2", kind: "quiz", quiz: $q, opens_at: $o, due_at: $d) '
         "{ assignment { id } } }",
         {**ids, "q": world.quiz.slug, "o": opens.isoformat(), "d": due.isoformat()}, change),
        ("mutation($c: Int!, $a: Int!) { assignment_update(class_id: $c, assignment_id: $a, "
         "weight: 2) { assignment { id } } }", ids, change),
        ("mutation($c: Int!, $a: Int!, $l: Int!) { override_set(class_id: $c, assignment_id: $a, "
         "learner_id: $l, excused: true) { override { excused } } }",
         {**ids, "l": learner.user_id}, change),
        ("mutation($c: Int!, $a: Int!, $l: Int!) { override_delete(class_id: $c, "
         "assignment_id: $a, learner_id: $l) { deleted } }", {**ids, "l": learner.user_id},
         change),
        ("mutation($c: Int!, $a: Int!) { assignment_delete(class_id: $c, assignment_id: $a) "
         "{ deleted } }", ids, change),
        ("mutation($c: Int!, $m: Int!) { member_remove(class_id: $c, member_id: $m) "
         "{ member { id } } }", {**ids, "m": learner.pk}, change),
        ('mutation($course: String!) { class_create(course: $course, name: "New") '
         "{ class { id } } }", {"course": world.course.slug}, created),
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_query_and_mutation_for_each_of_the_five_roles(world, role):
    client = clients(world)[role]
    wrong = []
    for query, variables, expected in graphql_table(world):
        outcome = code_of(client, query, **variables)
        if outcome != expected[role]:
            wrong.append(f"{query}: {outcome}, expected {expected[role]}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- classes


def test_the_class_for_its_members_and_its_settings_for_its_staff(world):
    c = clients(world)
    query = f"query($c: Int!) {{ class(id: $c) {{ {CLASS} }} }}"
    mine = data_of(c["learner"], query, c=world.classroom.pk)
    assert (mine["role"], mine["settings"]) == ("learner", None)
    staff_view = data_of(c["ta"], query, c=world.classroom.pk)
    assert staff_view["settings"]["invite_code"] == world.classroom.invite_code
    listed = data_of(c["instructor"], "{ classes { count results { id role } } }")
    assert listed == {"count": 1, "results": [{"id": world.classroom.pk, "role": "instructor"}]}


def test_creating_and_changing_a_class_and_the_refusals(world):
    c = clients(world)
    create = (
        "mutation($course: String!, $name: String!, $zone: String) { class_create("
        f"course: $course, name: $name, time_zone: $zone) {{ class {{ {CLASS} }} }} }}"
    )
    made = data_of(c["instructor"], create, course=world.course.slug, name="Backend 102",
                   zone="Europe/Paris")["class"]  # fmt: skip
    assert (made["role"], made["settings"]["time_zone"]) == ("instructor", "Europe/Paris")
    unknown = error_of(c["instructor"], create, course="nope", name="X")
    assert unknown["extensions"] == {"code": "invalid", "details": unknown["extensions"]["details"]}
    assert "course" in unknown["extensions"]["details"]
    assert code_of(c["learner"], create, course=world.course.slug, name="X") == (
        "cannot_create_classes")  # fmt: skip
    assert Classroom.objects.count() == 2
    update = (
        "mutation($c: Int!, $cap: Int, $policy: String, $open: Boolean, $zone: String) {"
        " class_update(class_id: $c, enrolment_cap: $cap, counted_attempt: $policy,"
        f" invite_open: $open, time_zone: $zone) {{ class {{ {CLASS} }} }} }}"
    )
    pk = world.classroom.pk
    changed = data_of(c["instructor"], update, c=pk, cap=12, policy="last", open=False)["class"]
    assert changed["settings"]["enrolment_cap"] == 12
    assert changed["settings"]["counted_attempt"] == "last"
    assert changed["settings"]["invite_open"] is False
    cleared = data_of(c["instructor"], update, c=pk, cap=None)["class"]
    assert cleared["settings"]["enrolment_cap"] is None
    assert cleared["settings"]["invite_open"] is False  # not sent: unchanged
    bad = error_of(c["instructor"], update, c=pk, zone="Mars/Olympus")
    assert bad["extensions"]["code"] == "invalid" and "time_zone" in bad["extensions"]["details"]
    assert error_of(c["ta"], update, c=pk, cap=3)["extensions"]["code"] == "not_instructor"
    assert error_of(c["outsider"], update, c=pk, cap=3)["extensions"]["code"] == "class_not_found"
    world.classroom.refresh_from_db()
    assert (world.classroom.enrolment_cap, world.classroom.time_zone) == (None, "UTC")
    rotate = (
        "mutation($c: Int!) { class_invite_rotate(class_id: $c) "
        "{ class { settings { invite_code } } } }"
    )
    new = data_of(c["instructor"], rotate, c=pk)["class"]["settings"]["invite_code"]
    assert len(new) == 8 and new != world.classroom.invite_code


JOIN = (
    "mutation($code: String!) { class_join(code: $code) "
    "{ class { id role settings { invite_code } } } }"
)


def test_joining_and_its_refusals(world):
    newcomer = UserFactory()
    client = client_for(newcomer)
    code = world.classroom.invite_code
    assert error_of(client, JOIN, code="NOPE2345")["extensions"]["code"] == "invite_invalid"
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk, invite_open=False)
    assert error_of(client, JOIN, code=code)["extensions"]["code"] == "invite_closed"
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          invite_open=True, enrolment_cap=1)  # fmt: skip
    assert error_of(client, JOIN, code=code)["extensions"]["code"] == "class_full"
    assert not Membership.objects.filter(user=newcomer).exists()
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          enrolment_cap=None)  # fmt: skip
    joined = data_of(client, JOIN, code=code.lower())["class"]
    assert joined == {"id": world.classroom.pk, "role": "learner", "settings": None}
    anonymous = error_of(client_for(None), JOIN, code=code)
    assert anonymous["extensions"]["code"] == "not_authenticated"


def test_wrong_codes_are_rate_limited_per_account_and_per_address(world):
    guesser = client_for(UserFactory())
    for n in range(services.JOIN_FAILURES.limit):
        assert error_of(guesser, JOIN, code=f"WRONG{n:03d}")["extensions"]["code"] == (
            "invite_invalid")  # fmt: skip
    limited = error_of(guesser, JOIN, code=world.classroom.invite_code)
    assert limited["extensions"]["code"] == "too_many_join_attempts"
    assert 0 < limited["extensions"]["details"]["retry_after"] <= 900
    same_address = client_for(UserFactory())  # the test client's address: 127.0.0.1
    refused = error_of(same_address, JOIN, code=world.classroom.invite_code)
    assert refused["extensions"]["code"] == "too_many_join_attempts"
    elsewhere = client_for(UserFactory(), REMOTE_ADDR="198.51.100.1")
    assert data_of(elsewhere, JOIN, code=world.classroom.invite_code)["class"]["role"] == "learner"


# --------------------------------------------------------------------------- assignments


CREATE = (
    "mutation($c: Int!, $kind: String!, $quiz: String, $exercises: [String!], $o: DateTime!, "
    "$d: DateTime!, $penalty: Float, $order: Int) { assignment_create(class_id: $c, "
    'title: "Quiz 1", kind: $kind, quiz: $quiz, exercises: $exercises, opens_at: $o, due_at: $d, '
    'late_policy: "penalty", penalty_per_day: $penalty, order: $order) '
    f"{{ assignment {{ {ASSIGNMENT} }} }} }}"
)


def test_assignments_and_their_refusals_with_nothing_written(world):
    c = clients(world)
    opens, due = assignment_times()
    base = {"c": world.classroom.pk, "kind": "quiz", "quiz": world.quiz.slug,
            "o": opens.isoformat(), "d": due.isoformat()}  # fmt: skip
    cases = [
        ({"d": opens.isoformat()}, "invalid_assignment", "due_at"),
        ({"quiz": "no-such-quiz"}, "invalid_assignment", "quiz"),
        ({"kind": "exercises", "exercises": ["nope"]}, "invalid_assignment", "exercise_ids"),
        ({"penalty": 150.0}, "invalid_assignment", "penalty_per_day"),
        ({"o": "0001-01-01T00:00:00+09:00"}, "invalid", "opens_at"),
        ({"order": -1}, "invalid", "order"),
    ]
    for changes, code, field in cases:
        error = error_of(c["instructor"], CREATE, **{**base, **changes})
        assert error["extensions"]["code"] == code, (changes, error)
        assert field in error["extensions"]["details"], (changes, error)
    assert error_of(c["ta"], CREATE, **base)["extensions"]["code"] == "not_instructor"
    assert error_of(c["learner"], CREATE, **base)["extensions"]["code"] == "class_not_found"
    assert not Assignment.objects.exists()
    made = data_of(c["instructor"], CREATE, **base, penalty=12.5)["assignment"]
    assert (made["quiz"], made["penalty_per_day"], made["standing"]) == (
        world.quiz.slug,
        12.5,
        None,
    )
    code = data_of(c["instructor"], CREATE, **{**base, "kind": "exercises", "quiz": None,
                                               "exercises": [world.exercise.slug]})  # fmt: skip
    assert code["assignment"]["exercises"] == [world.exercise.slug]
    update = (
        "mutation($c: Int!, $a: Int!, $d: DateTime) { assignment_update(class_id: $c, "
        'assignment_id: $a, title: "Quiz one", due_at: $d) { assignment { title due_at } } }'
    )
    changed = data_of(c["instructor"], update, c=world.classroom.pk, a=made["id"])
    assert changed["assignment"]["title"] == "Quiz one"
    early = error_of(c["instructor"], update, c=world.classroom.pk, a=made["id"],
                     d=opens.isoformat())  # fmt: skip
    assert early["extensions"]["code"] == "invalid_assignment"
    assert Assignment.objects.get(pk=made["id"]).due_at == due  # nothing half-written
    naive = data_of(c["instructor"], update, c=world.classroom.pk, a=made["id"],
                    d="2099-01-01T12:00:00")  # fmt: skip
    assert naive["assignment"]["due_at"].startswith("2099-01-01T12:00:00")  # the class's UTC


def test_learners_see_their_own_due_time_in_the_assignments(world):
    assignment = quiz_assignment(world)
    later = assignment.due_at + timedelta(days=2)
    services.override_set(user=world.instructor, classroom_id=world.classroom.pk,
                          assignment_id=assignment.pk, learner_id=world.learner.pk,
                          due_at=later)  # fmt: skip
    c = clients(world)
    query = (
        "query($c: Int!) { class_assignments(class_id: $c) "
        f"{{ count results {{ {ASSIGNMENT} }} }} }}"
    )
    (mine,) = data_of(c["learner"], query, c=world.classroom.pk)["results"]
    assert mine["my_due_at"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
    assert mine["standing"]["status"] == "not_started"
    (staff_view,) = data_of(c["ta"], query, c=world.classroom.pk)["results"]
    assert staff_view["my_due_at"] is None and staff_view["standing"] is None


def test_overrides_and_their_refusals(world):
    assignment = quiz_assignment(world)
    c = clients(world)
    grant = (
        "mutation($c: Int!, $a: Int!, $l: Int!, $d: DateTime, $m: Int) { override_set("
        "class_id: $c, assignment_id: $a, learner_id: $l, due_at: $d, extra_quiz_minutes: $m, "
        f'reason: "Illness") {{ override {{ {OVERRIDE} }} }} }}'
    )
    ids = {"c": world.classroom.pk, "a": assignment.pk}
    later = (assignment.due_at + timedelta(days=1)).isoformat()
    granted = data_of(c["instructor"], grant, **ids, l=world.learner.pk, d=later, m=20)
    assert (granted["override"]["granted_by"], granted["override"]["extra_quiz_minutes"]) == (
        "prof", 20)  # fmt: skip
    refusals = [
        (c["instructor"], {"l": world.outsider.pk, "m": 5}, "invalid_override"),
        (c["instructor"], {"l": world.learner.pk, "d": assignment.opens_at.isoformat()},
         "invalid_override"),
        (c["instructor"], {"l": world.learner.pk, "m": 601}, "invalid_override"),
        (c["ta"], {"l": world.learner.pk, "m": 5}, "not_instructor"),
    ]  # fmt: skip
    for client, variables, code in refusals:
        assert error_of(client, grant, **ids, **variables)["extensions"]["code"] == code
    assert Override.objects.get().extra_quiz_minutes == 20  # unchanged
    overrides = (
        "query($c: Int!, $a: Int!) { assignment_overrides(class_id: $c, assignment_id: $a) "
        f"{{ count results {{ {OVERRIDE} }} }} }}"
    )
    listed = data_of(c["ta"], overrides, **ids)
    assert listed["count"] == 1 and listed["results"][0] == granted["override"]


# --------------------------------------------------------------------------- grades


GRADEBOOK = (
    "query($c: Int!, $limit: Int, $offset: Int) { class_gradebook(class_id: $c, limit: $limit, "
    f"offset: $offset) {{ count assignments {{ id title }} results {{ {ROW} }} }} }}"
)


def test_the_gradebook_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    made = big_class(world)
    client = clients(world)["instructor"]
    with django_assert_max_num_queries(20):
        book = data_of(client, GRADEBOOK, c=world.classroom.pk, limit=200)
    assert book["count"] == 40 and len(book["results"]) == 40
    assert [a["id"] for a in book["assignments"]] == [a.pk for a in made]
    with CaptureQueriesContext(connection) as small:
        page = data_of(client, GRADEBOOK, c=world.classroom.pk, limit=3, offset=3)
    assert len(small.captured_queries) <= 20
    assert [r["username"] for r in page["results"]] == [r["username"] for r in book["results"][3:6]]
    learner = clients(world)["learner"]
    assert code_of(learner, GRADEBOOK, c=world.classroom.pk) == "class_not_found"


def test_every_list_runs_a_constant_number_of_queries(world):
    made = big_class(world, learners=2)
    pk, a = world.classroom.pk, made[0].pk
    queries = {
        "instructor": [
            f"{{ class_roster(class_id: {pk}) {{ results {{ {ROSTER} }} }} }}",
            f"{{ class_assignments(class_id: {pk}) {{ results {{ {ASSIGNMENT} }} }} }}",
            f"{{ assignment_overrides(class_id: {pk}, assignment_id: {a}) "
            f"{{ results {{ {OVERRIDE} }} }} }}",
            f"{{ class_gradebook(class_id: {pk}) {{ results {{ {ROW} }} }} }}",
            "{ classes { results { id role } } }",
        ],
        "learner": [
            f"{{ class_assignments(class_id: {pk}) {{ results {{ {ASSIGNMENT} }} }} }}",
            f"{{ my_grades(class_id: {pk}) {{ row {{ {ROW} }} }} }}",
            f"{{ due_items {{ results {{ class_name {ASSIGNMENT} }} }} }}",
        ],
    }
    c = clients(world)

    def counts() -> dict[str, int]:
        found = {}
        for role, listed in queries.items():
            data_of(c[role], "{ me { username } }")  # the token's last use, written once a while
            for query in listed:
                with CaptureQueriesContext(connection) as captured:
                    data_of(c[role], query)
                found[f"{role} {query[:40]}"] = len(captured.captured_queries)
        return found

    few = counts()
    add_learners(world, made, 38, start=1)
    many = counts()
    assert many == few
    assert max(many.values()) <= 20, many


def test_my_grades_and_due_items(world):
    quiz_assignment(world)
    other = UserFactory(username="zed")
    services.class_join(user=other, code=world.classroom.invite_code)
    c = clients(world)
    mine = data_of(c["learner"], "query($c: Int!) { my_grades(class_id: $c) { class_id "
                   f"assignments {{ id }} row {{ {ROW} }} }} }}", c=world.classroom.pk)  # fmt: skip
    assert mine["row"]["username"] == "ada" and "zed" not in str(mine)
    assert code_of(c["instructor"], "query($c: Int!) { my_grades(class_id: $c) { class_id } }",
                   c=world.classroom.pk) == "class_not_found"  # fmt: skip
    due = data_of(
        c["learner"], f"{{ due_items {{ count results {{ class_name {ASSIGNMENT} }} }} }}"
    )
    assert due["count"] == 1 and due["results"][0]["class_name"] == "Backend 101"
    roster = data_of(c["ta"], "query($c: Int!) { class_roster(class_id: $c) { count "
                     f"results {{ {ROSTER} }} }} }}", c=world.classroom.pk)  # fmt: skip
    assert roster["count"] == 4


def test_every_class_type_is_the_one_in_the_schema():
    """graphene keys types by name: a class type named like another app's would silently
    replace it (a quiz's Standing once lost its fields that way)."""
    from graphene import ObjectType

    from apps.classes.graphql import types
    from config.graphql.schema import schema

    type_map = schema.graphql_schema.type_map
    declared = [
        t for t in vars(types).values() if isinstance(t, type) and issubclass(t, ObjectType)
    ]
    for graphene_type in declared:
        if graphene_type is ObjectType:
            continue
        found = type_map[graphene_type._meta.name]
        assert found.graphene_type is graphene_type, graphene_type._meta.name
    quiz_standing = type_map["Standing"]
    assert "attempts_used" in quiz_standing.fields
