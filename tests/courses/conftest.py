from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def imported_course(db):
    """The real course, imported from the repository's content files."""
    call_command("import_content", verbosity=0)
    from apps.courses.models import Course

    return Course.objects.get(slug="python-backend-engineering")
