#!/bin/sh
# Registers purseflow's namespace and the search attributes operators filter on in the Web UI
# (temporalio/admin-tools image, `temporal` CLI). Idempotent. The list is cli/services/config.ts's
# SEARCH_ATTRIBUTES; docker/test/compose.test.ts fails when the two differ.
set -eu

address="${TEMPORAL_ADDRESS:-temporal-frontend:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"

until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  echo "waiting for Temporal at $address"
  sleep 1
done

temporal operator namespace describe --address "$address" -n "$namespace" >/dev/null 2>&1 \
  || temporal operator namespace create --address "$address" -n "$namespace" --retention 168h

# A namespace just registered is served once the frontend's namespace cache has it (about 2 s).
until temporal operator search-attribute list --address "$address" -n "$namespace" >/dev/null 2>&1; do
  echo "waiting for namespace $namespace to be served"
  sleep 1
done

for attribute in \
  PurseflowState=Keyword \
  PurseflowKind=Keyword \
  CardSerial=Keyword \
  CustomerId=Keyword \
  MerchantId=Keyword \
  ReaderId=Keyword \
  AmountMinor=Int; do
  name=${attribute%%=*}
  type=${attribute#*=}
  if temporal operator search-attribute list --address "$address" -n "$namespace" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$address" -n "$namespace" --name "$name" --type "$type"
  fi
done
