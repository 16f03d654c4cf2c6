from django.urls import path

from apps.matrix.api import views

urlpatterns = [
    path("matrix/", views.CategoryListApi.as_view(), name="matrix-list"),
    path("matrix/<slug:slug>/", views.CategoryDetailApi.as_view(), name="matrix-detail"),
]
