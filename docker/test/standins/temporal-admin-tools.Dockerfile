# Test stand-in for docker.io/temporalio/admin-tools: temporal-sql-tool (go.temporal.io/server/cmd/tools/sql),
# the `temporal` CLI and the server module's schema folders at /etc/temporal/schema, as in the official image.
ARG DEBIAN_IMAGE=localhost/purseflow-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY temporal-sql-tool temporal /usr/local/bin/
COPY schema /etc/temporal/schema
ENTRYPOINT ["sleep", "infinity"]
