"""``import_content --check``: run every runnable example of the course files in the
sandbox (as a learner's Run would, same limits) and name each one that does not finish
cleanly: its file, its number and its first line, with the reason and the output's end.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from apps.core.markdown import RunnableBlock, runnable_blocks
from apps.exercises import sandbox, services
from apps.exercises.models import BlockRunStatus

CHECK_WORKERS = 2


def _run(block: RunnableBlock) -> tuple[str, str, str]:
    limits = sandbox.Limits()
    result = services.program_runner(code=block.code, limits=limits)
    status, reason = services.block_outcome(result, limits)
    return status, reason, str(result.output or "")


def check_examples(courses: list[Any], *, root: Path) -> tuple[list[str], int]:
    """(the failures, one line each, and how many examples ran)."""
    work: list[tuple[str, RunnableBlock]] = []
    for course in courses:
        for module in course.modules:
            for lesson in module.lessons:
                where = str(Path(lesson.path).relative_to(root))
                work.extend((where, block) for block in runnable_blocks(lesson.body))
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
        results = list(pool.map(lambda item: _run(item[1]), work))
    for (where, block), (status, reason, output) in zip(work, results, strict=True):
        if status == BlockRunStatus.DONE:
            continue
        tail = " | ".join(output.strip().splitlines()[-3:])[:300]
        failures.append(
            f"{where}: runnable block {block.index} ({block.first_line!r}) {status}: "
            f"{reason}{f' Output: {tail}' if tail else ''}"
        )
    return failures, len(work)
