from django.urls import path

from apps.checks import views

app_name = "checks"

urlpatterns = [
    path("checks/<int:pk>/answer", views.answer, name="answer"),
]
