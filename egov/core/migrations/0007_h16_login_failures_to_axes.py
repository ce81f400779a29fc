"""
Issue 16: the login lockout moves to django-axes (one mechanism for the portal and the admin).
The failed logins recorded by the former ``egov.LoginFailure`` are copied into axes'
``AccessFailureLog`` (history is kept), then the model is removed. Backwards: the table comes
back and the copied rows return to it.
"""
from django.db import migrations, models

COPIED_PATH = "egov.LoginFailure"  # path_info of the copied rows: how the reverse step finds them


def to_axes(apps, schema_editor):
    LoginFailure = apps.get_model("egov", "LoginFailure")
    AccessFailureLog = apps.get_model("axes", "AccessFailureLog")
    rows = [AccessFailureLog(username=f.username, ip_address=f.ip_address, user_agent="", http_accept="",
                             path_info=COPIED_PATH, locked_out=False)
            for f in LoginFailure.objects.all().iterator()]
    created = AccessFailureLog.objects.bulk_create(rows, batch_size=1000)
    # attempt_time is auto_now_add: set the original times afterwards.
    for row, failure in zip(created, LoginFailure.objects.all().iterator()):
        AccessFailureLog.objects.filter(pk=row.pk).update(attempt_time=failure.at)


def from_axes(apps, schema_editor):
    LoginFailure = apps.get_model("egov", "LoginFailure")
    AccessFailureLog = apps.get_model("axes", "AccessFailureLog")
    for row in AccessFailureLog.objects.filter(path_info=COPIED_PATH).iterator():
        LoginFailure.objects.create(username=row.username or "", ip_address=row.ip_address)
    AccessFailureLog.objects.filter(path_info=COPIED_PATH).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("egov", "0006_encrypt_existing_webhook_secrets"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(to_axes, from_axes),
        migrations.DeleteModel(name="LoginFailure"),
    ]
