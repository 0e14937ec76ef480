/*
 * yaml_parse_baseline.c
 *	  The physical limit for dbt_contract_apply: load a YAML file into a
 *	  libyaml document (yaml_parser_load), free it, and report the best
 *	  elapsed time of K runs.  The file is read into memory once, before
 *	  timing, because the server also reads the file before composing.
 *
 *	  gcc -O2 -o yaml_parse_baseline yaml_parse_baseline.c -lyaml
 *	  ./yaml_parse_baseline FILE [K]
 *
 * Prints one line: "best_ms=<ms> runs=<K> bytes=<n> nodes=<n>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf;
	long		size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0)
	{
		perror(path);
		exit(1);
	}
	buf = malloc(size + 1);
	if (buf == NULL || fread(buf, 1, size, f) != (size_t) size)
	{
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t) size;
	return buf;
}

/* One full load; returns the number of nodes libyaml built. */
static long
load_once(const unsigned char *data, size_t len, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	long		nodes;

	if (!yaml_parser_initialize(&parser))
	{
		fprintf(stderr, "could not initialize the YAML parser\n");
		exit(1);
	}
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc))
	{
		fprintf(stderr, "%s:%lu:%lu: %s\n", path,
				(unsigned long) parser.problem_mark.line + 1,
				(unsigned long) parser.problem_mark.column + 1,
				parser.problem ? parser.problem : "parse error");
		exit(1);
	}
	nodes = doc.nodes.top - doc.nodes.start;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return nodes;
}

int
main(int argc, char **argv)
{
	size_t		len;
	unsigned char *data;
	int			runs = 3;
	double		best = -1;
	long		nodes = 0;
	int			i;

	if (argc < 2 || argc > 3)
	{
		fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
		return 2;
	}
	if (argc == 3 && (runs = atoi(argv[2])) < 1)
		runs = 1;
	data = slurp(argv[1], &len);
	for (i = 0; i < runs; i++)
	{
		double		t0 = now_ms();
		double		ms;

		nodes = load_once(data, len, argv[1]);
		ms = now_ms() - t0;
		if (best < 0 || ms < best)
			best = ms;
	}
	printf("best_ms=%.1f runs=%d bytes=%zu nodes=%ld\n", best, runs, len, nodes);
	free(data);
	return 0;
}
