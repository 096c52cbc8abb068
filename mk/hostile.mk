# make hostile: slow connections, a crowd, oversized requests and a burst
# of sign-ins against a real server, with what its users see meanwhile
# (bench/hostile/run.py; results in bench/results/hostile.md).

.PHONY: hostile

hostile: deps
	@$(MAKE) --no-print-directory civicgrid
	@$(PYTHON) bench/hostile/run.py
