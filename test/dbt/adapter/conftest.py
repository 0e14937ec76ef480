"""dbt-tests-adapter's constraint suite against the throwaway cluster, with
the dbt_contract extension installed and the dbt_contract package's
on-run-start hook active in every test project."""
import os

import pytest

from dbt.tests.util import run_dbt
from dbtsuite import PACKAGE_SRC, fresh_database

ADAPTER_DB = os.environ.get("DBT_ADAPTER_TEST_DATABASE", "dbt_adapter_tests")


@pytest.fixture(scope="session")
def adapter_database():
    fresh_database(ADAPTER_DB)
    return ADAPTER_DB


# What dbt-postgres' own conftest gives, pointed at our cluster: the unix
# socket directory in PGHOST, user postgres, trust authentication.
@pytest.fixture(scope="class")
def dbt_profile_target(adapter_database):
    return {
        "type": "postgres",
        "threads": 4,
        "host": os.environ["PGHOST"],
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER", "postgres"),
        "pass": os.environ.get("PGPASSWORD", ""),
        "dbname": adapter_database,
    }


# dbt's log files in a temporary directory, not in the source tree.
@pytest.fixture(scope="class")
def logs_dir(tmp_path_factory, prefix):
    return str(tmp_path_factory.mktemp("logs") / prefix)


# The package, and its hook, in every test project.
@pytest.fixture(scope="class")
def packages():
    return {"packages": [{"local": PACKAGE_SRC}]}


@pytest.fixture(scope="class")
def project_config_update():
    return {"on-run-start": ["{{ dbt_contract.apply_contracts() }}"]}


@pytest.fixture(scope="class", autouse=True)
def dbt_contract_installed(project):
    """dbt deps installs the local package before the class's tests run."""
    run_dbt(["deps"])
    yield


def contracts_of(project):
    """The models the hook loaded for this test project's schema."""
    return project.run_sql(
        "SELECT model, enforced FROM dbt_contract.models "
        "WHERE source = 'dbt:test' AND relation_schema = '{}' ORDER BY 1".format(project.test_schema),
        fetch="all")
