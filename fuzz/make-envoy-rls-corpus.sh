#!/usr/bin/env bash
# Writes the seed inputs of envoy_rls_fuzz, fuzz/corpus/envoy_rls/<name>: each one a
# RateLimitRequest below, in protobuf text format, encoded by protoc with the project's own
# .proto files. The rules they aim at are those of fuzz/envoy_rls_fuzz.cc.
#   fuzz/make-envoy-rls-corpus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/envoy_rls
mkdir -p "$out"

seed() {  # NAME TEXT
  protoc --proto_path=proto --encode=envoy.service.ratelimit.v3.RateLimitRequest \
    envoy/service/ratelimit/v3/rls.proto <<<"$2" >"$out/$1"
}

# An exact value.
seed login 'domain: "web" descriptors { entries { key: "path" value: "/login" } }'
# A wildcard that shares its threshold, and a key-only rule; two hits each.
seed wildcard 'domain: "web"
  descriptors { entries { key: "path" value: "/api/users" } }
  descriptors { entries { key: "path" value: "/other" } }
  hits_addend: 2'
# Nested rules: quota mode with `replaces`, the wildcard rule it replaces, shadow mode.
seed nested 'domain: "web"
  descriptors { entries { key: "user" value: "alice" } entries { key: "plan" value: "free" } }
  descriptors { entries { key: "user" value: "bob" } }
  descriptors { entries { key: "user" value: "carol" } entries { key: "plan" value: "trial" } }'
# A rule that blocks (0 per unit) beside an unlimited one.
seed blocked 'domain: "web"
  descriptors { entries { key: "user" value: "dave" } entries { key: "plan" value: "blocked" } }
  descriptors { entries { key: "user" value: "erin" } entries { key: "plan" value: "unlimited" } }'
# A limit override that only checks (hits_addend 0), and a descriptor's own hits_addend.
seed override 'domain: "web"
  descriptors { entries { key: "ip" value: "10.0.0.1" }
                limit { requests_per_unit: 3 unit: MINUTE } hits_addend { value: 0 } }
  descriptors { entries { key: "ip" value: "10.0.0.2" } hits_addend { value: 4 } }'
# A domain without rules: OK throughout.
seed unknown_domain 'domain: "mobile" descriptors { entries { key: "path" value: "/login" } }'
# Two rates (moving window) and an override that blocks.
seed two_rates 'domain: "web"
  descriptors { entries { key: "path" value: "/search" } }
  descriptors { entries { key: "ip" value: "10.0.0.3" } limit { requests_per_unit: 0 unit: HOUR } }'
# Refused before anything is decided: an empty key, a hits_addend above the bound.
seed invalid 'domain: "web"
  descriptors { entries { key: "" value: "x" } }
  descriptors { entries { key: "ip" value: "10.0.0.4" } hits_addend { value: 1000000000000 } }'
