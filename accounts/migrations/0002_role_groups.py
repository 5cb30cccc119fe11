"""The five role groups with the accounts permission catalogue. Model permissions of
other apps join them after migrate (accounts.roles.sync_after_migrate)."""

from django.db import migrations

from accounts.roles import ROLE_PERMISSIONS


def create_role_groups(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    for codename, name in User._meta.permissions:
        Permission.objects.get_or_create(
            content_type=user_type, codename=codename, defaults={"name": name}
        )
    for role, labels in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [label.split(".", 1)[1] for label in labels if label.startswith("accounts.")]
        group.permissions.add(
            *Permission.objects.filter(content_type=user_type, codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
