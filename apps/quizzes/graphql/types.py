"""GraphQL types for quizzes and attempts: the same fields, names and rules as the REST
API (apps/quizzes/api/views.py), over the same selectors. Answer keys exist only on
the review types, and the review selector fills them only when the reveal policy allows."""

from __future__ import annotations

from typing import Any

import graphene
from graphene.types.generic import GenericScalar

from apps.quizzes import selectors


class Choice(graphene.ObjectType):
    id = graphene.Int(required=True)
    text_html = graphene.String(required=True)


class Question(graphene.ObjectType):
    """A question as a learner sees it before submitting: no answer keys."""

    id = graphene.Int(required=True)
    number = graphene.Int(required=True)
    type = graphene.String(required=True)
    prompt_html = graphene.String(required=True)
    points = graphene.Float(required=True)
    choices = graphene.List(graphene.NonNull(Choice), required=True)


class AttemptQuestion(Question):
    response = GenericScalar(description="The saved answer, if any.")


class Standing(graphene.ObjectType):
    attempts_used = graphene.Int(required=True)
    attempts_left = graphene.Int(description="Null when attempts are unlimited.")
    best_percent = graphene.Float()
    last_percent = graphene.Float()
    passed = graphene.Boolean(required=True)
    open_attempt = graphene.Int()

    @staticmethod
    def resolve_attempts_used(standing: Any, info: Any) -> int:
        return standing.used

    @staticmethod
    def resolve_attempts_left(standing: Any, info: Any) -> int | None:
        return standing.left

    @staticmethod
    def resolve_best_percent(standing: Any, info: Any) -> Any:
        return standing.best

    @staticmethod
    def resolve_last_percent(standing: Any, info: Any) -> Any:
        return standing.last

    @staticmethod
    def resolve_open_attempt(standing: Any, info: Any) -> int | None:
        return standing.open_attempt.pk if standing.open_attempt else None


class Quiz(graphene.ObjectType):
    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    kind = graphene.String(required=True)
    course = graphene.String(required=True)
    module = graphene.String()
    question_count = graphene.Int(required=True)
    pass_mark = graphene.Int(required=True)
    attempts_allowed = graphene.Int(required=True, description="0 means unlimited.")
    time_limit_minutes = graphene.Int(required=True, description="0 means untimed.")
    url = graphene.String(required=True)
    standing = graphene.Field(Standing, description="The viewer's attempts (null if anonymous).")

    @staticmethod
    def resolve_course(quiz: Any, info: Any) -> str:
        return quiz.course.slug

    @staticmethod
    def resolve_module(quiz: Any, info: Any) -> str | None:
        return quiz.module.slug if quiz.module_id else None

    @staticmethod
    def resolve_question_count(quiz: Any, info: Any) -> int:
        return selectors.quiz_question_count(quiz)

    @staticmethod
    def resolve_url(quiz: Any, info: Any) -> str:
        return quiz.get_absolute_url()

    @staticmethod
    def resolve_standing(quiz: Any, info: Any) -> Any:
        user = info.context.user
        return selectors.quiz_standing(user=user, quiz=quiz) if user.is_authenticated else None


class QuizPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(Quiz), required=True)


class AttemptSummary(graphene.ObjectType):
    id = graphene.Int(required=True)
    quiz = graphene.String(required=True)
    number = graphene.Int(required=True)
    status = graphene.String(required=True)
    started_at = graphene.DateTime(required=True)
    deadline = graphene.DateTime()
    submitted_at = graphene.DateTime()
    score = graphene.Float()
    max_score = graphene.Float(required=True)
    percent = graphene.Float()
    passed = graphene.Boolean()

    @staticmethod
    def resolve_quiz(attempt: Any, info: Any) -> str:
        return attempt.quiz.slug


class AttemptPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(AttemptSummary), required=True)


class AttemptDetail(AttemptSummary):
    questions = graphene.List(graphene.NonNull(AttemptQuestion), required=True)

    @staticmethod
    def resolve_questions(attempt: Any, info: Any) -> Any:
        return selectors.attempt_questions_public(attempt)


class ReviewChoice(graphene.ObjectType):
    id = graphene.Int(required=True)
    text_html = graphene.String(required=True)
    chosen = graphene.Boolean(required=True)
    is_correct = graphene.Boolean(description="Null until revealed.")
    feedback = graphene.String(required=True)


class ReviewQuestion(graphene.ObjectType):
    id = graphene.Int(required=True)
    number = graphene.Int(required=True)
    type = graphene.String(required=True)
    prompt_html = graphene.String(required=True)
    points = graphene.Float(required=True)
    score = graphene.Float(required=True)
    correct = graphene.Boolean(required=True)
    answered = graphene.Boolean(required=True)
    your_answer = graphene.String(required=True)
    choices = graphene.List(graphene.NonNull(ReviewChoice), required=True)
    correct_answer = graphene.String(required=True, description="Empty until revealed.")
    explanation_html = graphene.String(required=True, description="Empty until revealed.")


class AttemptResult(AttemptSummary):
    """A submitted attempt, question by question (keys only when the policy allows)."""

    revealed = graphene.Boolean(required=True)
    questions = graphene.List(graphene.NonNull(ReviewQuestion), required=True)

    @staticmethod
    def resolve_revealed(attempt: Any, info: Any) -> bool:
        return selectors.reveal_allowed(attempt)

    @staticmethod
    def resolve_questions(attempt: Any, info: Any) -> Any:
        return selectors.attempt_review(attempt)


class ModuleQuizScore(graphene.ObjectType):
    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    best = graphene.Float()
    last = graphene.Float()
    passed = graphene.Boolean(required=True)

    @staticmethod
    def resolve_slug(score: dict[str, Any], info: Any) -> str:
        return score["slug"]

    @staticmethod
    def resolve_title(score: dict[str, Any], info: Any) -> str:
        return score["title"]

    @staticmethod
    def resolve_best(score: dict[str, Any], info: Any) -> Any:
        return score["best"]

    @staticmethod
    def resolve_last(score: dict[str, Any], info: Any) -> Any:
        return score["last"]

    @staticmethod
    def resolve_passed(score: dict[str, Any], info: Any) -> bool:
        return score["passed"]


class ModuleExercises(graphene.ObjectType):
    solved = graphene.Int(required=True, description="Exercises with a passing submission.")
    total = graphene.Int(required=True, description="Published exercises in the module.")

    @staticmethod
    def resolve_solved(counts: dict[str, int], info: Any) -> int:
        return counts["solved"]

    @staticmethod
    def resolve_total(counts: dict[str, int], info: Any) -> int:
        return counts["total"]


class ModuleProgress(graphene.ObjectType):
    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    completed = graphene.Int(required=True)
    total = graphene.Int(required=True)
    quiz = graphene.Field(ModuleQuizScore)
    exercises = graphene.Field(graphene.NonNull(ModuleExercises))


class CourseProgress(graphene.ObjectType):
    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    completed = graphene.Int(required=True)
    total = graphene.Int(required=True)
    percent = graphene.Int(required=True)
    modules = graphene.List(graphene.NonNull(ModuleProgress), required=True)
