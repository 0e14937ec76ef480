/*-------------------------------------------------------------------------
 * preload_shim.c
 *	  Preloaded, together with libasan, into Debian's uninstrumented
 *	  PostgreSQL server so that a dbt_contract built with SANITIZE=1 can be
 *	  tested under AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 * scripts/run-sanitizers.sh builds this file with
 * -DDBTC_SAN_LOG_DIR='"<dir>"' and runs every server of its private
 * PostgreSQL copy with LD_PRELOAD="<this shim>:<libasan>".  It does two
 * things:
 *
 * 1. It compiles the sanitizer options in.  PostgreSQL overwrites its
 *	  environment area to show the process title, and the sanitizer runtimes
 *	  read their options from /proc/self/environ, so ASAN_OPTIONS and
 *	  UBSAN_OPTIONS are garbage by the time a backend reports.  The runtimes
 *	  ask the first definition of __asan_default_options and
 *	  __ubsan_default_options in symbol lookup order instead; this shim comes
 *	  before libasan in LD_PRELOAD precisely so that its definitions are
 *	  that first one (libasan carries weak defaults of its own).
 *
 * 2. It stubs glibc's message-catalog binding.  With libasan preloaded, the
 *	  postmaster's first bindtextdomain() call (from set_pglocale_pgservice)
 *	  blocks forever on glibc's _nl_state_lock.  Messages stay untranslated,
 *	  which the tests want anyway (lc_messages = C).
 *-------------------------------------------------------------------------
 */

#ifndef DBTC_SAN_LOG_DIR
#define DBTC_SAN_LOG_DIR "/tmp"
#endif

/*
 * detect_leaks=0: memory contexts are freed wholesale at exit and look like
 *	 leaks; leaks are valgrind's job (make valgrind).
 * verify_asan_link_order=0: this shim, not libasan, comes first in the
 *	 initial library list; it intercepts nothing that libasan does.
 * halt_on_error=1, exitcode=70: a report ends the backend with a status
 *	 other than 0 or 1, so the postmaster treats it as a crash and
 *	 reinitialises shared memory the backend left behind; the test that
 *	 caused it fails visibly.
 * abort_on_error=0: no core dumps of a 20 TB shadow mapping.
 * UBSan has no log_path: gcc 12's libubsan is a runtime of its own, and its
 *	 call to set the report path binds to libasan's copy of that function,
 *	 so UBSan reports always go to stderr, i.e. the server log.
 * allocator_may_return_null=1: a huge request fails like libc's malloc, so
 *	 PostgreSQL reports "out of memory" as it would without ASan.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
char	   *bindtextdomain(const char *domainname, const char *dirname);
char	   *textdomain(const char *domainname);
char	   *bind_textdomain_codeset(const char *domainname, const char *codeset);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0:verify_asan_link_order=0:halt_on_error=1:"
		"exitcode=70:abort_on_error=0:allocator_may_return_null=1:"
		"print_summary=1:log_path=" DBTC_SAN_LOG_DIR "/asan";
}

const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1:exitcode=70:abort_on_error=0";
}

/*
 * glibc returns the directory now bound to the domain; without catalogs
 * there is none to report but the one asked for.
 */
char *
bindtextdomain(const char *domainname, const char *dirname)
{
	return (char *) (dirname ? dirname : "/usr/share/locale");
}

char *
textdomain(const char *domainname)
{
	return (char *) (domainname ? domainname : "messages");
}

char *
bind_textdomain_codeset(const char *domainname, const char *codeset)
{
	return (char *) codeset;
}
