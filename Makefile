# OctoISP — the two commands.
#   make run    set up everything on this machine and serve the platform
#   make test   run every test against throwaway servers
.PHONY: run test build bench clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

build:
	swift build

bench:
	@scripts/bench.sh

clean:
	rm -rf .build
