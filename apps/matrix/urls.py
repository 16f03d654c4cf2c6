from django.urls import path

from apps.matrix import views

app_name = "matrix"

urlpatterns = [
    path("matrix/", views.index, name="index"),
    path("matrix/<slug:slug>/", views.category, name="category"),
    path("matrix/<slug:slug>/fit/", views.fit, name="fit"),
    path("matrix/<slug:slug>.csv", views.export_csv, name="csv"),
]
