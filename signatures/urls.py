"""URLs of the signatures app; included by the project under "signatures/"."""
from django.urls import path

from . import views

app_name = "signatures"

urlpatterns = [
    path("vgca/<str:token>/download", views.vgca_download, name="vgca_download"),
    path("vgca/<str:token>/upload", views.vgca_upload, name="vgca_upload"),
]
