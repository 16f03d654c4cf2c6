"""Accessible names for the admin's form controls that Django leaves without a label.

A tabular inline (and a changelist's ``list_editable`` column) names its inputs with a
column heading, not a ``<label>``, and a split date/time field has one label for two
inputs: screen readers announce such controls as nameless. ``LabelledTabularInline`` and
``LabelledAdminMixin`` give each one an ``aria-label`` (the field's label, and which part
of a date/time it is).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.utils import pretty_name


def label_widget(widget: forms.Widget, label: str, *, whole: bool) -> None:
    """Name ``widget`` ``label``; with ``whole`` False only the parts of a multi-input."""
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.MultiWidget):
        parts = (
            ("date", "time")
            if isinstance(widget, forms.SplitDateTimeWidget)
            else [str(i) for i in range(1, len(widget.widgets) + 1)]
        )
        for sub, part in zip(widget.widgets, parts, strict=False):
            sub.attrs.setdefault("aria-label", f"{label} ({part})")
    elif whole and not isinstance(widget, forms.HiddenInput):
        widget.attrs.setdefault("aria-label", label)


def label_form(form: forms.BaseForm, *, whole: bool) -> None:
    for name, field in form.fields.items():
        label = "Delete" if name == "DELETE" else str(field.label or pretty_name(name))
        label_widget(field.widget, label, whole=whole)


def _labelled_formset(formset: type[forms.BaseFormSet]) -> type[forms.BaseFormSet]:
    def add_fields(self: forms.BaseFormSet, form: forms.BaseForm, index: int | None) -> None:
        formset.add_fields(self, form, index)
        label_form(form, whole=True)

    return type(formset.__name__, (formset,), {"add_fields": add_fields})


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their column's name."""

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        return _labelled_formset(super().get_formset(request, obj, **kwargs))


class LabelledAdminMixin:
    """For a ModelAdmin: name the parts of date/time inputs and ``list_editable`` cells."""

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]

        def __init__(self: forms.BaseForm, *args: Any, **kw: Any) -> None:
            form.__init__(self, *args, **kw)
            label_form(self, whole=False)

        return type(form.__name__, (form,), {"__init__": __init__})

    def get_changelist_formset(self, request: Any, **kwargs: Any) -> Any:
        return _labelled_formset(super().get_changelist_formset(request, **kwargs))  # type: ignore[misc]
