"""The gradebook at scale: a class of 300 learners × 30 assignments of every kind reads
its facts in the same number of queries as one of 10 learners × 4 (one of each kind, so
both run every kind's query), and so do its page and CSV export. The class is the
benchmark's (``bench/gradebook_bench.py``, ``build_class``: bulk inserts of attempts,
runs, lesson completions, live players and overrides), smaller. Timings are the
benchmark's business (docs/benchmarks.md), not the suite's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.classes import selectors
from apps.classes.grades import Status
from bench.gradebook_bench import build_class

pytestmark = pytest.mark.django_db


def test_the_gradebook_reads_in_the_same_number_of_queries_at_any_size(
    django_assert_max_num_queries,
):
    small = build_class(learners=10, assignments=4, prefix="small")
    with CaptureQueriesContext(connection) as queries:
        book = selectors.gradebook(classroom=small.classroom)
    assert {a.kind for a in book.assignments} == {"quiz", "reading", "exercises", "live"}
    assert len(book.rows) == 10
    constant = len(queries)

    big = build_class(learners=300, assignments=30, noise=50, prefix="big")
    assert big.rows["attempts"] > 1000 and big.rows["runs"] > 1000
    with django_assert_max_num_queries(constant):
        book = selectors.gradebook(classroom=big.classroom)
    assert len(book.rows) == 300 and len(book.assignments) == 30
    assert all(len(row.cells) == 30 for row in book.rows)
    # The work is there and graded: every status shows up somewhere.
    statuses = {cell.status for row in book.rows for cell in row.cells}
    assert {Status.SUBMITTED, Status.MISSING, Status.EXCUSED, Status.NOT_STARTED} <= statuses
    assert sum(row.total is not None for row in book.rows) > 250


def test_the_gradebook_page_and_its_csv_read_in_the_same_number_of_queries(client):
    counts = {}
    for size, (learners, assignments) in {"small": (10, 4), "big": (300, 30)}.items():
        built = build_class(learners=learners, assignments=assignments, prefix=size)
        client.force_login(built.instructor)
        url = f"/classes/{built.classroom.pk}/gradebook/"
        for suffix in ("", "?format=csv"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url + suffix)
            assert response.status_code == 200
            counts[(size, suffix)] = len(queries)
        body = client.get(url + "?format=csv").content.decode()
        assert body.count("\n") >= learners + 1  # a header and a line per learner
    assert counts[("big", "")] == counts[("small", "")]
    assert counts[("big", "?format=csv")] == counts[("small", "?format=csv")]
