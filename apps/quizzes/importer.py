"""Import quizzes from the course content: each module's ``quiz.yaml`` and the
course's ``final_exam`` block (format: apps/courses/content/README.md).

Read and validated fully before anything is written (``ContentError`` names the
file); written in the caller's transaction. Questions are matched by ``key`` and
choices by position, so ids stay stable and past attempts keep their meaning;
a question removed from a file is retired (never drawn again), not deleted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from apps.core import yamltext
from apps.courses.errors import ContentError
from apps.courses.importer import CONTENT_ROOT, CourseSource, _rel, _slug
from apps.courses.models import Course
from apps.quizzes.models import Choice, Question, QuestionType, Quiz, QuizKind, Reveal, Scoring
from apps.quizzes.services import choice_render, question_check, question_render

TYPES = set(QuestionType.values)


@dataclass
class QuestionSource:
    key: str
    fields: dict[str, Any]
    choices: list[dict[str, Any]]


@dataclass
class QuizSource:
    path: Path
    slug: str
    kind: str
    module_slug: str | None
    settings: dict[str, Any]
    digest: str
    questions: list[QuestionSource] = field(default_factory=list)


def _int(
    data: dict[str, Any], key: str, default: int, where: str, *, low: int = 0, high: int = 10_000
) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ContentError(where, f"'{key}' must be a whole number from {low} to {high}")
    return value


def _bool(data: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ContentError(where, f"'{key}' must be true or false")
    return value


def _decimal(value: Any, where: str, label: str) -> Decimal:
    if isinstance(value, bool):
        raise ContentError(where, f"{label} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ContentError(where, f"{label} must be a number") from exc
    if not number.is_finite():
        raise ContentError(where, f"{label} must be finite")
    return number


def _settings(data: dict[str, Any], where: str) -> dict[str, Any]:
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ContentError(where, "missing required key 'title'")
    reveal = data.get("reveal", Reveal.AFTER_EACH)
    if reveal not in Reveal.values:
        raise ContentError(where, f"'reveal' must be one of {', '.join(Reveal.values)}")
    return {
        "title": title.strip(),
        "pass_mark": _int(data, "pass_mark", 70, where, high=100),
        "attempts_allowed": _int(data, "attempts_allowed", 3, where, high=100),
        "time_limit_minutes": _int(data, "time_limit_minutes", 0, where, high=600),
        "shuffle_questions": _bool(data, "shuffle_questions", True, where),
        "shuffle_choices": _bool(data, "shuffle_choices", True, where),
        "reveal": reveal,
        "draw_count": _int(data, "draw_count", 0, where, high=500),
    }


def _question(raw: Any, where: str) -> QuestionSource:
    if not isinstance(raw, dict):
        raise ContentError(where, "each question must be a mapping")
    key = _slug({"slug": raw.get("key")}, where) if raw.get("key") else None
    if key is None:
        raise ContentError(where, "a question is missing its 'key'")
    here = f"{where} (question {key})"
    kind = raw.get("type")
    if kind not in TYPES:
        raise ContentError(here, f"'type' must be one of {', '.join(sorted(TYPES))}")
    for text_key in ("prompt", "explanation"):
        if not isinstance(raw.get(text_key), str) or not raw[text_key].strip():
            raise ContentError(here, f"missing required key '{text_key}'")
    fields: dict[str, Any] = {
        "type": kind,
        "prompt_md": raw["prompt"].strip(),
        "explanation_md": raw["explanation"].strip(),
        "points": _decimal(raw.get("points", 1), here, "'points'"),
        "scoring": raw.get("scoring", Scoring.ALL_OR_NOTHING),
        "true_false_answer": None,
        "numeric_answer": None,
        "tolerance": Decimal(0),
        "accepted_answers": [],
    }
    if fields["points"] <= 0:
        raise ContentError(here, "'points' must be positive")
    if fields["scoring"] not in Scoring.values:
        raise ContentError(here, f"'scoring' must be one of {', '.join(Scoring.values)}")
    choices: list[dict[str, Any]] = []
    if kind in {QuestionType.SINGLE, QuestionType.MULTIPLE}:
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list):
            raise ContentError(here, "'choices' must be a list")
        for item in raw_choices:
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ContentError(here, "each choice needs a 'text'")
            choices.append(
                {
                    "text": item["text"].strip(),
                    "is_correct": item.get("correct", False) is True,
                    "feedback": str(item.get("feedback") or "").strip(),
                }
            )
    elif kind == QuestionType.ORDERING:
        items = raw.get("items")
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ContentError(here, "'items' must be a list of texts in the correct order")
        choices = [{"text": text.strip(), "is_correct": False, "feedback": ""} for text in items]
    elif kind == QuestionType.TRUE_FALSE:
        if not isinstance(raw.get("answer"), bool):
            raise ContentError(here, "'answer' must be true or false")
        fields["true_false_answer"] = raw["answer"]
    elif kind == QuestionType.NUMERIC:
        if "answer" not in raw:
            raise ContentError(here, "missing required key 'answer'")
        fields["numeric_answer"] = _decimal(raw["answer"], here, "'answer'")
        fields["tolerance"] = _decimal(raw.get("tolerance", 0), here, "'tolerance'")
    elif kind == QuestionType.SHORT_TEXT:
        accepted = raw.get("accepted")
        if not isinstance(accepted, list) or not all(
            isinstance(a, str | int | float) for a in accepted
        ):
            raise ContentError(here, "'accepted' must be a list of answers")
        fields["accepted_answers"] = [str(a) for a in accepted]
    probe = Question(**fields)
    try:
        question_check(probe, [Choice(**c) for c in choices])
    except ValidationError as exc:
        raise ContentError(here, " ".join(exc.messages)) from exc
    return QuestionSource(key=key, fields=fields, choices=choices)


parse_question = _question  # one validation for quiz questions and lesson checks


def _questions(data: dict[str, Any], where: str) -> list[QuestionSource]:
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise ContentError(where, "'questions' must be a non-empty list")
    out = [_question(item, where) for item in raw]
    keys = [q.key for q in out]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise ContentError(where, f"question key {duplicate!r} is used twice")
    return out


def read_quizzes(courses: list[CourseSource], root: Path = CONTENT_ROOT) -> list[QuizSource]:
    out: list[QuizSource] = []
    for course in courses:
        for module in course.modules:
            path = module.path.parent / "quiz.yaml"
            if not path.is_file():
                continue
            where = _rel(path, root)
            raw = path.read_bytes()
            try:
                data = yamltext.safe_load(raw.decode("utf-8"))
            except (UnicodeDecodeError, yaml.YAMLError) as exc:
                raise ContentError(where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from exc
            if not isinstance(data, dict):
                raise ContentError(where, "must be a YAML mapping")
            source = QuizSource(
                path=path,
                slug=f"{module.data['slug']}-quiz",
                kind=QuizKind.MODULE,
                module_slug=module.data["slug"],
                settings=_settings(data, where),
                digest=hashlib.sha256(raw).hexdigest(),
            )
            source.questions = _questions(data, where)
            out.append(source)
        _check_keys_unique([q for q in out if q.path.parent.parent == course.path.parent], root)
        final = course.data.get("final_exam")
        if final is not None:
            where = _rel(course.path, root) + " (final_exam)"
            if not isinstance(final, dict):
                raise ContentError(where, "must be a mapping")
            settings = _settings(final, where)
            if settings["draw_count"] < 1:
                raise ContentError(where, "'draw_count' must be at least 1")
            digest = hashlib.sha256(yaml.safe_dump(final, sort_keys=True).encode()).hexdigest()
            out.append(
                QuizSource(
                    path=course.path, slug=f"{course.data['slug']}-final-exam", kind=QuizKind.FINAL,
                    module_slug=None, settings=settings, digest=digest,
                )
            )  # fmt: skip
    return out


def _check_keys_unique(quizzes: list[QuizSource], root: Path) -> None:
    """A question belongs to one module quiz: the final exam draws from all of them."""
    first: dict[str, QuizSource] = {}
    for quiz in quizzes:
        for question in quiz.questions:
            other = first.setdefault(question.key, quiz)
            if other is not quiz:
                raise ContentError(
                    _rel(quiz.path, root),
                    f"question key {question.key!r} is already used in {_rel(other.path, root)}",
                )


def write_quizzes(courses: list[CourseSource], quizzes: list[QuizSource]) -> tuple[int, int]:
    """Create or update quizzes inside the import transaction; returns (written, unchanged)."""
    written = unchanged = 0
    course_by_path = {c.path: c for c in courses}
    for source in quizzes:
        course_source = course_by_path.get(source.path) or next(
            c for c in courses if any(m.path.parent == source.path.parent for m in c.modules)
        )
        course = Course.objects.get(slug=course_source.data["slug"])
        quiz = Quiz.objects.filter(slug=source.slug).first()
        if quiz is not None and quiz.source_hash == source.digest:
            unchanged += 1
            continue
        module = course.modules.get(slug=source.module_slug) if source.module_slug else None
        quiz = quiz or Quiz(slug=source.slug, course=course)
        quiz.course, quiz.module, quiz.kind = course, module, source.kind
        for key, value in source.settings.items():
            setattr(quiz, key, value)
        quiz.status = "published"
        quiz.source_hash = source.digest
        quiz.save()
        _write_questions(quiz, source.questions)
        written += 1
    return written, unchanged


def _write_questions(quiz: Quiz, questions: list[QuestionSource]) -> None:
    existing = {q.key: q for q in quiz.questions.prefetch_related("choices")}
    for order, source in enumerate(questions):
        question = existing.pop(source.key, None) or Question(quiz=quiz, key=source.key)
        for key, value in source.fields.items():
            setattr(question, key, value)
        question.order = order
        question.retired = False
        question_render(question)
        question.save()
        current = list(question.choices.order_by("order", "id")) if question.pk else []
        for index, data in enumerate(source.choices):
            choice = current[index] if index < len(current) else Choice(question=question)
            choice.text = data["text"]
            choice_render(choice)
            choice.is_correct = data["is_correct"]
            choice.feedback = data["feedback"]
            choice.order = index
            choice.save()
        for extra in current[len(source.choices) :]:
            extra.delete()
    for gone in existing.values():
        gone.retired = True
        gone.save(update_fields=["retired"])
