# Benchmarks of the HTTP API (bench/http/run.sh): a city of BENCH_CASES
# generated cases (default 1,000,000; the database is cached under
# bench/.cache/), each scenario driven by wrk against `civicgrid serve`,
# and nginx serving a static file as the machine's limit.  Installs the
# project's packages and wrk and nginx first when missing; writes
# bench/results/http.md.
#
#   make bench                        the HTTP benchmark
#   BENCH_CASES=100000 make bench     a smaller city
#   BENCH_DURATION=30s make bench     longer runs (default 10s each)

.PHONY: bench bench-http

bench: bench-http

# Like `make run`, each installs what it needs first.
bench-http: deps
	@$(MAKE) --no-print-directory civicgrid
	@scripts/install-deps.sh bench
	@bench/http/run.sh

# make bench-scale: the same scenarios on SQLite and PostgreSQL, one server
# and two behind nginx, side by side (bench/scale/run.sh; the table goes to
# docs/benchmarks.md).
.PHONY: bench-scale

bench-scale: deps
	@$(MAKE) --no-print-directory civicgrid
	@bench/scale/run.sh

# make bench-gen: the time to generate a city of BENCH_CASES cases, with
# where it goes (bench/gen/run.sh; bench/results/generation.md).
.PHONY: bench-gen

bench-gen: deps
	@$(MAKE) --no-print-directory civicgrid
	@bench/gen/run.sh
