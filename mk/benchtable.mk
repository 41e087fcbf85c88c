# benchtable.mk: the table of every `make bench` figure with its target and
# ratio (tools/dev/bench-table.sh reads bench-figures/*.json and the older
# bench-*.json files), printed last by `make bench`; `make bench-table`
# prints it again from the files as they are.

CLEAN_FILES	+= bench-figures/*.json bench-table.json

# The recipe of `bench` (its prerequisites are the Makefile's): it runs
# after every bench target, whatever the order of the fragments or -j.
bench:
	sh tools/dev/bench-table.sh

bench-table:
	sh tools/dev/bench-table.sh

.PHONY: bench bench-table
