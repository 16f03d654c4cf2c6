from django.urls import path

from apps.quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/<slug:slug>/", views.quiz_detail, name="quiz"),
    path("quizzes/<slug:slug>/start", views.quiz_start, name="start"),
    path("quizzes/attempts/<int:pk>/", views.attempt_take, name="attempt"),
    path("quizzes/attempts/<int:pk>/answers", views.attempt_autosave, name="autosave"),
    path("quizzes/attempts/<int:pk>/result/", views.attempt_result, name="result"),
]
