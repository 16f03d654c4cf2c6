"""The GraphQL API at /graphql (graphene-django), over the same selectors and services
as the REST API.

Layout (Saleor style): each app keeps its GraphQL code in ``apps/<app>/graphql/``
(``types.py``, ``queries.py``, ``mutations.py``) and exposes ``<App>Queries`` and
``<App>Mutations`` (plain ``graphene.ObjectType`` classes holding fields and
resolvers); ``config/graphql/schema.py`` composes them by inheritance.

To add an app's queries and mutations:

1. write ``apps/<app>/graphql/queries.py`` with ``class <App>Queries(graphene.ObjectType)``
   whose resolvers call the app's selectors (use ``config.graphql.auth.login_required``
   / ``permission_required`` / ``current_user``), and ``mutations.py`` with
   ``config.graphql.mutations.BaseMutation`` subclasses gathered in
   ``class <App>Mutations(graphene.ObjectType)``;
2. append the two classes to ``Query`` and ``Mutation`` in ``config/graphql/schema.py``
   (one line each);
3. regenerate the committed schema and commit it with the code::

       .venv/bin/python manage.py graphql_schema --schema config.graphql.schema.schema \\
           --out schema/schema.graphql

Field names are the REST JSON field names (the schema uses ``auto_camelcase=False``).
Types map selector results; a type mapping a model must derive from
``config.graphql.types.ModelObjectType`` and list its ``fields``. Raise domain errors
(``apps.core.errors.ApplicationError`` subclasses) from services and selectors; the
view turns them into ``errors[].extensions.code`` (``config.graphql.errors``).
"""
