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
