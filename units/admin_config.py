"""The admin app with the portal's admin site (units.admin_site): listed instead of django.contrib.admin."""
from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "units.admin_site.PortalAdminSite"
