# Root conftest of the dbt suite.  dbt-tests-adapter's fixtures (project,
# unique_schema, run_dbt's profile, ...) are a pytest plugin; pytest only
# accepts plugins declared in the rootdir's conftest.
pytest_plugins = ["dbt.tests.fixtures.project"]
