from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan_view, name="plan"),
    path("plan/<str:action>/", views.plan_action, name="plan_action"),
    path("entries/<int:entry_pk>/open/", views.file_open, name="file_open"),
    path("files/<int:pk>/", views.file_detail, name="file_detail"),
    path("files/<int:pk>/add/", views.file_add, name="file_add"),
    path("files/<int:pk>/<str:action>/", views.file_action, name="file_action"),
    path("packages/<int:pk>/", views.package_file, name="package"),
    path("archive/", views.archive, name="archive"),
    path("access/<int:pk>/decide/", views.access_decide, name="access_decide"),
    path("proposals/<int:pk>/<str:action>/", views.proposal_action, name="proposal_action"),
    path("copies/", views.copies, name="copies"),
    path("copies/<str:action>/", views.copy_action, name="copy_action"),
    path("copies/<int:pk>/file/", views.copy_download, name="copy_download"),
]
