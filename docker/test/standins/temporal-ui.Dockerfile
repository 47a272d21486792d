# Test stand-in for docker.io/temporalio/ui: the Web UI server (github.com/temporalio/ui-server/v2/cmd/server,
# built from Go modules) with the module's own config/docker.yaml and docker/start-ui-server.sh, laid out as
# the module's Dockerfile lays out the official image; wget for compose.yaml's health check.
ARG DEBIAN_IMAGE=localhost/purseflow-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 temporal \
 && useradd --uid 1000 --gid temporal --home-dir /home/ui-server --create-home temporal
WORKDIR /home/ui-server
COPY --chown=temporal:temporal ui-server start-ui-server.sh ./
COPY --chown=temporal:temporal docker.yaml config/docker.yaml
USER temporal
EXPOSE 8080
ENTRYPOINT ["./start-ui-server.sh"]
