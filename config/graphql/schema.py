"""The GraphQL schema, composed once from every app's queries and mutations.

Adding an app: append its ``<App>Queries`` / ``<App>Mutations`` to the bases below (see
``config/graphql/__init__.py``) and regenerate ``schema/schema.graphql``.
"""

from __future__ import annotations

import graphene

from apps.accounts.graphql.queries import AccountQueries
from apps.checks.graphql.mutations import CheckMutations
from apps.checks.graphql.queries import CheckQueries
from apps.classes.graphql.mutations import ClassMutations
from apps.classes.graphql.queries import ClassQueries
from apps.courses.graphql.mutations import CourseMutations
from apps.courses.graphql.queries import CourseQueries
from apps.exercises.graphql.mutations import ExerciseMutations
from apps.exercises.graphql.queries import ExerciseQueries
from apps.labs.graphql.mutations import LabMutations
from apps.labs.graphql.queries import LabQueries
from apps.live.graphql.mutations import LiveMutations
from apps.live.graphql.queries import LiveQueries
from apps.matrix.graphql.queries import MatrixQueries
from apps.quizzes.graphql.mutations import QuizMutations
from apps.quizzes.graphql.queries import QuizQueries


class Query(
    CourseQueries,
    MatrixQueries,
    QuizQueries,
    LiveQueries,
    ExerciseQueries,
    ClassQueries,
    LabQueries,
    AccountQueries,
    CheckQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    CourseMutations,
    QuizMutations,
    ExerciseMutations,
    ClassMutations,
    LiveMutations,
    LabMutations,
    CheckMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=False)
