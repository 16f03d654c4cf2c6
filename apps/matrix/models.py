"""The technology-comparison matrix: categories of options rated on criteria."""

from __future__ import annotations

from django.db import models
from django.urls import reverse


class CriterionKind(models.TextChoices):
    RATING = "rating", "Rating"
    BOOLEAN = "boolean", "Yes / no"
    TEXT = "text", "Text"


class Category(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description_md = models.TextField(blank=True)
    description_html = models.TextField(blank=True, editable=False)
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    scale_labels = models.JSONField(default=dict, blank=True)
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=[("draft", "Draft"), ("published", "Published")], default="published"
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "title"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")), name="scale_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matrix:category", kwargs={"slug": self.slug})

    def scale_label(self, value: int | None) -> str:
        if value is None:
            return ""
        return str(self.scale_labels.get(str(value), value))


class Criterion(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="criteria")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=CriterionKind.choices)
    description = models.TextField(blank=True)
    weight_hint = models.CharField(
        max_length=300, blank=True, help_text="The questionnaire's question."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["category", "order", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["category", "slug"], name="criterion_slug_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Option(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="options")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=120)
    summary = models.CharField(max_length=400, blank=True)
    url = models.URLField(blank=True)
    lessons = models.JSONField(
        default=list, blank=True, help_text="Slugs of lessons that discuss it."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "slug"], name="option_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Cell(models.Model):
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="cells")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="cells")
    rating = models.SmallIntegerField(null=True, blank=True)
    flag = models.BooleanField(null=True, blank=True)
    text = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    na = models.BooleanField("not applicable", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["option", "criterion"], name="one_cell_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.option} × {self.criterion}"
