"""Base types. Prefer plain ``graphene.ObjectType`` over the selectors' results; when a
type maps a model directly, derive it from :class:`ModelObjectType`, which refuses to
be declared without an explicit ``fields`` list (a ``DjangoObjectType`` without one
exposes every column, answer keys included, and every column added later)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from graphene_django import DjangoObjectType


class ModelObjectType(DjangoObjectType):
    """A ``DjangoObjectType`` that must list its ``fields`` (a list or tuple of names)."""

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(
        cls, fields: Any = None, exclude: Any = None, **options: Any
    ) -> None:
        if exclude is not None or not isinstance(fields, list | tuple) or not fields:
            raise ImproperlyConfigured(
                f"{cls.__name__}.Meta must list its fields explicitly "
                "(fields = (...); no '__all__', no exclude)."
            )
        super().__init_subclass_with_meta__(fields=fields, **options)
