from django.urls import path

from apps.quizzes.api import views

urlpatterns = [
    path("quizzes/", views.QuizListApi.as_view(), name="quiz-list"),
    path("quizzes/<slug:slug>/", views.QuizDetailApi.as_view(), name="quiz-detail"),
    path("quizzes/<slug:slug>/questions/", views.QuizQuestionsApi.as_view(), name="quiz-questions"),
    path("quizzes/<slug:slug>/attempts/", views.AttemptStartApi.as_view(), name="attempt-start"),
    path("attempts/", views.AttemptListApi.as_view(), name="attempt-list"),
    path("attempts/<int:pk>/", views.AttemptDetailApi.as_view(), name="attempt-detail"),
    path("attempts/<int:pk>/answers/", views.AttemptAnswersApi.as_view(), name="attempt-answers"),
    path("attempts/<int:pk>/submit/", views.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path("attempts/<int:pk>/result/", views.AttemptResultApi.as_view(), name="attempt-result"),
]
