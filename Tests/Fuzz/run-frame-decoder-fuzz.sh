#!/usr/bin/env bash
# Builds the FrameDecoder libFuzzer harness and runs it for ${1:-60} seconds.
#
# Usage: Tests/Fuzz/run-frame-decoder-fuzz.sh [seconds] [extra libFuzzer flags...]
# Build output and the growing corpus live in $FUZZ_BUILD_DIR (default: .build-fuzz at the
# package root, which .gitignore covers). Exit status is libFuzzer's: non-zero on a finding,
# with the crashing input written to $FUZZ_BUILD_DIR/artifacts/.
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${FUZZ_BUILD_DIR:-$root/.build-fuzz}"
corpus="$out/frame-decoder-corpus"
artifacts="$out/artifacts"
mkdir -p "$out" "$corpus" "$artifacts"

swiftc -sanitize=fuzzer,address -parse-as-library -module-name FuzzFrameDecoder -O -g \
    "$root"/Protocol/*.swift "$root/Tests/Fuzz/FrameDecoder/main.swift" \
    -o "$out/fuzz-frame-decoder"

# Swift's own crash backtracer would hold the pipe open and fight libFuzzer's crash handler.
export SWIFT_BACKTRACE=enable=no

# One valid frame of every message type as seeds, so the fuzzer starts inside the message
# decoders rather than having to discover the length prefix first.
FUZZ_WRITE_SEEDS="$corpus" "$out/fuzz-frame-decoder" -runs=0 "$corpus" > /dev/null 2>&1

exec "$out/fuzz-frame-decoder" "$corpus" -max_total_time="$seconds" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "$@"
