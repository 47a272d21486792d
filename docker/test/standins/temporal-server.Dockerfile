# Test stand-in for docker.io/temporalio/server: the server binary built from Go modules
# (go.temporal.io/server/cmd/server, cached by `purseflow services up --profile production`) at the path,
# working directory and user of the official image; `nc` for compose.yaml's health checks.
ARG DEBIAN_IMAGE=localhost/purseflow-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends netcat-openbsd ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 temporal \
 && useradd --uid 1000 --gid temporal --home-dir /etc/temporal --no-create-home temporal \
 && mkdir -p /etc/temporal/config && chown -R temporal:temporal /etc/temporal
COPY temporal-server /usr/local/bin/temporal-server
WORKDIR /etc/temporal
USER temporal
EXPOSE 6933 6934 6935 6939 7233 7234 7235 7239
ENTRYPOINT ["temporal-server"]
CMD ["--root", "/etc/temporal", "--config", "config", "--env", "docker", "start"]
