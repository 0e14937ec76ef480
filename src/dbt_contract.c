/*-------------------------------------------------------------------------
 * dbt_contract.c
 *	  Module entry point: defines the dbt_contract.* settings.
 *
 * Settings that could weaken what the extension protects against (which
 * files it reads, how large an input it accepts) are PGC_SUSET.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "dbt_contract.h"

PG_MODULE_MAGIC;

char	   *dbtc_project_dir = NULL;
int			dbtc_max_file_size_kb = 64 * 1024;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("dbt_contract.project_dir",
							   "Directory that relative paths given to dbt_contract_apply are read from.",
							   "Empty means the data directory, as for pg_read_file.",
							   &dbtc_project_dir,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("dbt_contract.max_file_size",
							"Largest YAML input dbt_contract accepts, per file or inline text.",
							NULL,
							&dbtc_max_file_size_kb,
							64 * 1024,
							1,
							1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("dbt_contract");
#else
	EmitWarningsOnPlaceholders("dbt_contract");
#endif
}
