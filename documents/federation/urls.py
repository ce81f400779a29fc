"""Federation endpoints, included by egov/urls.py under /federation/v1/."""
from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("packages/", views.receive_package, name="receive"),
    path("pull/", views.pull_index, name="pull-list"),
    path("pull/<uuid:consignment_id>/", views.pull_package, name="pull-fetch"),
    path("pull/<uuid:consignment_id>/ack", views.pull_acknowledge, name="pull-ack"),
]
