#!/bin/bash
# Builds and runs the libFuzzer harness for PipelineLoader + Planner.
#
# Usage: Tests/Fuzz/run-pipeline-loader-fuzz.sh [SECONDS] [extra libFuzzer flags…]
# Compiles what the pipeline language needs (FlotillaYAML, FlotillaTLS for the bundle code's
# hashing, FlotillaCore) with -sanitize=fuzzer,address, seeds the corpus with the test
# fixtures, and fuzzes for SECONDS (default 60). Crashes land in $WORK/artifacts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECONDS_TO_RUN="${1:-60}"
shift || true
WORK="${FUZZ_WORK:-$ROOT/.build-fuzz/pipeline-loader}"
mkdir -p "$WORK/corpus" "$WORK/artifacts"
cd "$ROOT"

FLAGS=(-swift-version 6 -parse-as-library -sanitize=fuzzer,address -g -Onone)
swiftc "${FLAGS[@]}" -I Sources/CYAML -module-name FlotillaYAML \
    -emit-module -emit-module-path "$WORK/FlotillaYAML.swiftmodule" \
    -emit-library -static -o "$WORK/libFlotillaYAML.a" Sources/FlotillaYAML/*.swift
swiftc "${FLAGS[@]}" -I Sources/COpenSSL -module-name FlotillaTLS \
    -emit-module -emit-module-path "$WORK/FlotillaTLS.swiftmodule" \
    -emit-library -static -o "$WORK/libFlotillaTLS.a" Sources/FlotillaTLS/*.swift
swiftc "${FLAGS[@]}" -I "$WORK" -I Sources/CYAML -I Sources/COpenSSL -module-name FlotillaCore \
    -emit-module -emit-module-path "$WORK/FlotillaCore.swiftmodule" \
    -emit-library -static -o "$WORK/libFlotillaCore.a" $(find Sources/FlotillaCore -name '*.swift')
swiftc "${FLAGS[@]}" -I "$WORK" -I Sources/CYAML -I Sources/COpenSSL -L "$WORK" -lFlotillaCore -lFlotillaTLS -lFlotillaYAML \
    -lyaml -lssl -lcrypto \
    -module-name PipelineLoaderFuzz -o "$WORK/pipeline-loader-fuzz" Tests/Fuzz/PipelineLoader/main.swift

cp Tests/FlotillaCoreTests/Fixtures/pipelines/good/*.yml Tests/FlotillaCoreTests/Fixtures/pipelines/bad/*.yml "$WORK/corpus/"
exec "$WORK/pipeline-loader-fuzz" "$WORK/corpus" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$WORK/artifacts/" -print_final_stats=1 "$@"
