# Written for the login lockout only (egov/auth.py); other egov models get their own migrations.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("egov", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(max_length=150, verbose_name="username")),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="time")),
            ],
            options={
                "verbose_name": "failed login",
                "verbose_name_plural": "failed logins",
                "ordering": ["-at", "-pk"],
                "indexes": [models.Index(fields=["username", "at"], name="egov_loginfailure_user_at")],
            },
        ),
    ]
