from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS lesson_search_gin ON courses_lesson USING gin (search_vector)"
DROP = "DROP INDEX IF EXISTS lesson_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
