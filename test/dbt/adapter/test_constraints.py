"""dbt's adapter test suite for constraints, as dbt-postgres runs it
(dbt-postgres/tests/functional/adapter/test_constraints.py: one class per
base class of dbt-tests-adapter's dbt/tests/adapter/constraints), here with
the dbt_contract extension installed and the package's on-run-start hook
applying every test project's contracts (see conftest.py).

It must pass unchanged: the extension may only refuse what breaks a
contract, and must keep PostgreSQL's own errors (the rollback tests expect
`null value in column "id"` ... `violates not-null constraint`)."""
import pytest

from dbt.tests.adapter.constraints import fixtures
from dbt.tests.adapter.constraints.test_constraints import (
    BaseConstraintQuotedColumn,
    BaseConstraintsRollback,
    BaseConstraintsRuntimeDdlEnforcement,
    BaseIncrementalConstraintsColumnsEqual,
    BaseIncrementalConstraintsRollback,
    BaseIncrementalConstraintsRuntimeDdlEnforcement,
    BaseIncrementalContractSqlHeader,
    BaseIncrementalForeignKeyConstraint,
    BaseModelConstraintsRuntimeEnforcement,
    BaseTableConstraintsColumnsEqual,
    BaseTableContractSqlHeader,
    BaseViewConstraintsColumnsEqual,
)
from dbt.tests.util import run_dbt

from adapter.conftest import contracts_of


class TestTableConstraintsColumnsEqual(BaseTableConstraintsColumnsEqual):
    pass


class TestViewConstraintsColumnsEqual(BaseViewConstraintsColumnsEqual):
    pass


class TestIncrementalConstraintsColumnsEqual(BaseIncrementalConstraintsColumnsEqual):
    pass


class TestTableConstraintsRuntimeDdlEnforcement(BaseConstraintsRuntimeDdlEnforcement):
    pass


# The rollback tests assert that `dbt run` returns exactly one result; since
# dbt 1.8 an on-run-start hook is a result of its own, so any project with
# such a hook fails that count.  These two classes get the package's macro
# as a model pre-hook instead (the same statement, run inside each model's
# transaction before its DDL), which leaves dbt's result list alone.
MODEL_PRE_HOOK = {"models": {"+pre-hook": ["{{ dbt_contract.apply_contracts() }}"]}}


class PreHookApplies:
    def test_contracts_applied_by_pre_hook(self, project):
        run_dbt(["run", "-s", "my_model"], expect_pass=None)
        assert dict(contracts_of(project)).get("my_model") is True
        # leave the schema as the rollback test expects to find it
        project.run_sql("drop table if exists {}.my_model".format(project.test_schema))


class TestTableConstraintsRollback(BaseConstraintsRollback, PreHookApplies):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return MODEL_PRE_HOOK


class TestIncrementalConstraintsRuntimeDdlEnforcement(
    BaseIncrementalConstraintsRuntimeDdlEnforcement
):
    pass


class TestIncrementalConstraintsRollback(BaseIncrementalConstraintsRollback, PreHookApplies):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return MODEL_PRE_HOOK


class TestTableContractSqlHeader(BaseTableContractSqlHeader):
    pass


class TestIncrementalContractSqlHeader(BaseIncrementalContractSqlHeader):
    pass


class TestModelConstraintsRuntimeEnforcement(BaseModelConstraintsRuntimeEnforcement):
    pass


class TestConstraintQuotedColumn(BaseConstraintQuotedColumn):
    pass


class TestIncrementalForeignKeyConstraint(BaseIncrementalForeignKeyConstraint):
    pass


class TestHookIsActive:
    """Not from dbt: shows that the hook was really applying contracts in
    these test projects, and that the database then enforces them."""

    @pytest.fixture(scope="class")
    def models(self):
        return {
            "my_model.sql": fixtures.my_model_sql,
            "constraints_schema.yml": fixtures.model_schema_yml,
        }

    def test_contracts_applied_and_enforced(self, project):
        run_dbt(["run", "-s", "my_model"])
        loaded = dict(contracts_of(project))
        assert loaded.get("my_model") is True, loaded
        with pytest.raises(Exception) as exc:
            project.run_sql("alter table {}.my_model alter column id type bigint".format(
                project.test_schema))
        assert "breaks the enforced contract" in str(exc.value)
        # dbt's own rebuild of the model still passes
        run_dbt(["run", "-s", "my_model"])
