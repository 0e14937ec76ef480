# dbt_contract — PGXS build.
#
#   make && sudo make install      build and install into the pg_config found
#   make test                      install packages, run every test suite
#                                  on every PostgreSQL major in reach
#   make test-matrix               the same, on PG_MATRIX_MAJORS
#   make test-dbt-matrix           the dbt suite on dbt-core 1.8, 1.9, 1.10, 1.11
#   make demo                      throwaway cluster with a sample dbt project
#   make sanitize                  regression suites under ASan + UBSan
#   make SANITIZE=1                build the extension with ASan + UBSan
#   make fuzz                      fuzz apply/ddl/repair for FUZZ_SECONDS (default 300)
#
EXTENSION   = dbt_contract
EXTVERSION  = 0.2.0

MODULE_big  = dbt_contract
OBJS        = src/dbt_contract.o \
              src/yaml_compose.o \
              src/contract_parse.o \
              src/contract_types.o \
              src/catalog_store.o \
              src/apply.o \
              src/contract_cache.o \
              src/contract_match.o \
              src/live_catalog.o \
              src/type_match.o \
              src/event_trigger.o \
              src/verify.o \
              src/contract_ddl.o \
              src/repair.o \
              src/contract_diff.o \
              src/breaking_policy.o \
              src/contract_manifest.o \
              src/contract_fk_target.o \
              src/contract_target.o \
              src/contract_semantic.o \
              src/clone.o \
              src/contract_read.o \
              src/catalog_owner.o \
              src/error_trap.o \
              src/contract_model.o \
              src/generated_sql.o \
              src/generate.o \
              src/exports.o \
              src/generate_odcs.o \
              src/targets.o

DATA        = $(wildcard sql/dbt_contract--*.sql)
PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK += -lyaml

# SANITIZE=1: instrument the extension (only it, not the server) with gcc's
# AddressSanitizer and UndefinedBehaviorSanitizer.  The server must then be
# started with libasan preloaded; scripts/run-sanitizers.sh does that.
SANITIZE ?=
ifeq ($(SANITIZE),1)
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined
PG_CFLAGS  += $(SANITIZE_FLAGS)
SHLIB_LINK += $(SANITIZE_FLAGS)
endif

REGRESS      = setup load_basic load_yaml_features load_versions versions load_tests \
               apply_semantics bad_input load_fidelity security \
               enforce_dbt_flows enforce_columns enforce_constraints \
               enforce_modes enforce_roles enforce_bypass enforce_paths \
               breaking_changes manifest_clone limits \
               keys relationships semantic_keys reports generated_sql name_folding exports \
               targets baseline fuzz_findings bulk_read apply_delta
REGRESS_OPTS = --inputdir=$(srcdir) --outputdir=$(CURDIR)

ISOLATION      = concurrent_apply apply_during_ddl targets_concurrent drop_target_concurrent
ISOLATION_OPTS = --inputdir=$(srcdir)/test/isolation --outputdir=$(CURDIR)/isolation_output

PROVE_TESTS = test/t/*.pl
EXTRA_CLEAN = isolation_output tmp_check results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
# Suites for what only newer majors have.  generate and generate_odcs
# build their fixture with types and constraints of 15 (multiranges, UNIQUE
# NULLS NOT DISTINCT); the functions build and run on 13 too.
ifeq ($(shell test $(MAJORVERSION) -ge 15 && echo y),y)
REGRESS += generate generate_odcs
endif
ifeq ($(shell test $(MAJORVERSION) -ge 17 && echo y),y)
REGRESS += enforce_pg17
endif
ifeq ($(shell test $(MAJORVERSION) -ge 18 && echo y),y)
REGRESS += enforce_pg18 exports_pg18
else
REGRESS += exports_pre18
endif
# A sanitized module loads only into a server started with libasan
# preloaded: refuse, before anything is copied, to install one into the
# system's PostgreSQL, which other users of the machine run.
ifeq ($(SANITIZE),1)
ifneq ($(filter install,$(MAKECMDGOALS)),)
ifneq ($(filter /usr/lib/postgresql/%,$(DESTDIR)$(pkglibdir)),)
$(error SANITIZE=1: refusing to install into $(DESTDIR)$(pkglibdir); install into a private copy made by scripts/private-pg.sh)
endif
endif
endif
else
# Without PGXS only the self-installing targets below work.
all install installcheck:
	@echo "PGXS not found: install postgresql-server-dev-15, or run 'make test' / 'make demo', which install it"; exit 1
endif

# Every object depends on the shared header (PGXS tracks no headers).
$(OBJS): src/dbt_contract.h src/contract_model.h src/compat.h
src/contract_match.o src/live_catalog.o: src/contract_match.h
src/generate.o src/generate_odcs.o: src/generate.h

.PHONY: test test-matrix test-dbt-matrix demo bench tapcheck valgrind sanitize sanitize-flags fuzz
# TAP tests against the installed extension (PostgreSQL::Test::Cluster
# makes its own clusters; run as a non-root user).
tapcheck:
	$(prove_installcheck)

# Majors of the test matrix (scripts/pg-servers.sh says where each comes
# from); 19 is a beta, reported but allowed to fail.
PG_MATRIX_MAJORS ?= 13 15 16 17 18 19

test:
	bash scripts/run-tests.sh

test-matrix:
	PG_MAJORS="$(PG_MATRIX_MAJORS)" bash scripts/run-tests.sh

# The dbt suite on every dbt-core the package supports (test/dbt/requirements*.txt).
DBT_MATRIX_VERSIONS ?= 1.8 1.9 1.10 1.11

test-dbt-matrix:
	SUITES=dbt DBT_VERSIONS="$(DBT_MATRIX_VERSIONS)" bash scripts/run-tests.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/run-bench.sh

valgrind:
	bash scripts/run-valgrind.sh

sanitize:
	bash scripts/run-sanitizers.sh

# The flags, for modules the sanitizer run builds besides the extension.
sanitize-flags:
	@echo $(SANITIZE_FLAGS)

# Not part of test: runs for FUZZ_SECONDS (see CONTRIBUTING.md, Fuzzing).
fuzz:
	bash test/fuzz/run-fuzz.sh
