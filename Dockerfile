# s2fuzz in a container: `docker run s2fuzz` fuzzes linux-6.1 against
# linux-6.12 until stopped, keeping its corpus and findings on the two
# volumes; `docker run s2fuzz gate ...` or `... replay ...` run those
# subcommands instead.  See README.md, "In a container".
FROM debian:bookworm

WORKDIR /s2fuzz

# build.sh is the one list of Debian packages.  Copied alone, so that this
# layer (about 1 GB) is rebuilt only when that list changes, not on
# every source edit.  apt-get clean: a base without Docker's apt hook keeps
# the downloaded .debs otherwise.
COPY build.sh ./
RUN ./build.sh --deps-only && apt-get clean && rm -rf /var/lib/apt/lists/*

COPY . .
# The fuzz target and triage tools too, so that a container's first
# seconds go to fuzzing rather than to compiling.
RUN ./build.sh && ./s2fuzz build --fuzz >/dev/null \
    && mkdir -p /data/corpus /data/results

ENV S2FUZZ_CORPUS=/data/corpus S2FUZZ_RESULTS=/data/results
VOLUME ["/data/corpus", "/data/results"]
# Relative paths given to a subcommand are then taken from where the
# volumes and any other mounts are.
WORKDIR /data
# `docker stop` as Ctrl-C: s2fuzz stops the engine, triages and sums up.
# (s2fuzz runs as PID 1, which the kernel gives no default SIGTERM action.)
STOPSIGNAL SIGINT
ENTRYPOINT ["/s2fuzz/s2fuzz"]
CMD ["fuzz"]
