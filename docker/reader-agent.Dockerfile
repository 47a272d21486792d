# syntax=docker/dockerfile:1
# The reader agent: a Temporal worker on the PC that holds a card reader. It serves the card steps of a
# download on its own task queue (reader-<reader id>) and never holds a master key.
#   ACR30S on a serial port:  --device /dev/ttyUSB0   (the agent's user is in the dialout group)
#   USB reader through PC/SC: either the host's pcscd (mount /run/pcscd, PURSEFLOW_PCSCD=external, the
#                             default) or pcscd inside the container with the USB bus passed in
#                             (--device /dev/bus/usb, PURSEFLOW_PCSCD=internal, runs as root).
# Build from the repository root:  docker build -f docker/reader-agent.Dockerfile -t purseflow/reader-agent:dev .
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ libpcsclite-dev \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# npm 10 in the official image runs every install script; npm 11 would honour package.json allowScripts.
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY types types
COPY ledger ledger
COPY card-driver card-driver
COPY workflows workflows
COPY portal portal
COPY cli cli
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE} AS reader-agent
# pcscd and the CCID driver (ACS USB readers speak CCID) for the internal mode; libpcsclite1 for the client side;
# socat for the demo reader (docker/demo-reader.sh: a simulated ACR30S on a pty pair).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini libpcsclite1 pcscd libccid socat \
 && rm -rf /var/lib/apt/lists/* \
 && usermod -a -G dialout node
WORKDIR /app
ENV NODE_ENV=production \
    PURSEFLOW_MODE=production \
    PURSEFLOW_PCSCD=external \
    PCSCLITE_CSOCK_NAME=/run/pcscd/pcscd.comm
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY docker/app-entrypoint.sh /usr/local/bin/purseflow-entrypoint
COPY docker/demo-reader.sh /usr/local/bin/purseflow-demo-reader
USER node
ENTRYPOINT ["tini", "--", "purseflow-entrypoint"]
CMD ["reader-agent"]
