# make valgrind: the C unit tests under valgrind's memcheck, built without
# the sanitizers (the two do not mix).  Fails on any memory error and on
# any definite or indirect leak; glib's and libvips' caches, which live as
# long as the process, are "still reachable" and not counted.  libvips'
# run-time generated vector code is switched off (VIPS_NOVECTOR): valgrind
# cannot follow code written at run time and would report its own misreads.

VALGRIND_FLAGS := -q --error-exitcode=99 --leak-check=full \
                  --errors-for-leak-kinds=definite,indirect \
                  --show-leak-kinds=definite,indirect

.PHONY: valgrind
valgrind:
	@$(MAKE) --no-print-directory SAN=0 $(UNIT_SRC:tests/unit/%.c=build/tests/%)
	@set -e; for t in $(UNIT_SRC:tests/unit/%.c=build/tests/%); do \
	  echo "== valgrind $$t"; \
	  CIVICGRID_TEST_DATA=$(CURDIR)/tests/data VIPS_NOVECTOR=1 \
	    valgrind $(VALGRIND_FLAGS) $$t >/dev/null; done; \
	  echo "valgrind: no memory errors or leaks in the unit tests"
