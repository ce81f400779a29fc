from django.urls import path, re_path

from .views import hub_endpoint

app_name = "hub"

urlpatterns = [
    path("<str:operation>", hub_endpoint, name="operation"),
    re_path(r"^(?P<operation>.*)$", hub_endpoint, name="other"),
]
