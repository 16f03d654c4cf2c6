from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from apps.accounts.models import LEARNER_GROUP, User

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create:
            return
        for name in extracted or [LEARNER_GROUP]:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Course"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A course."
    status = "published"


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Module"

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    order = factory.Sequence(lambda n: n)
    status = "published"


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Lesson"

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    summary = "What this lesson is about."
    objectives = factory.LazyFunction(lambda: ["Explain a thing"])
    takeaways = factory.LazyFunction(lambda: ["A thing matters"])
    body_md = (
        "## Section\n\nSome text about connection pools and caches.\n\n"
        "```python\nprint('hi')\n```\n"
    )
    order = factory.Sequence(lambda n: n)
    status = "published"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        from apps.courses import services

        lesson = model_class(*args, **kwargs)
        services.lesson_render(lesson)
        lesson.save()
        services.lessons_index([lesson.pk])
        return lesson
