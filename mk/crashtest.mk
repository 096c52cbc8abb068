# Crash test: the server is killed with SIGKILL at random moments while
# residents and staff write, and restarted on the same database; then the
# SQLite file is checked for every acknowledged write, half-written
# changes and duplicates from retries (scripts/crashtest.py).
#
#   make crashtest                    20 kills, seed from the clock
#   CRASHTEST_SEED=N make crashtest   repeat a run's random choices
#   CRASHTEST_KILLS=N make crashtest  another number of kills
#
# The summary is appended to bench/results/crashtest.md.

.PHONY: crashtest

crashtest: deps
	@$(MAKE) --no-print-directory civicgrid
	@$(PYTHON) scripts/crashtest.py
