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

# A few valid frames as seeds, so the fuzzer starts inside the message decoders rather than
# having to discover the length prefix first.
seed() { printf "$2" > "$corpus/seed-$1"; }
seed heartbeat '\x00\x00\x00\x09\x03\x00\x00\x00\x00\x00\x00\x00\x2a'
seed error '\x00\x00\x00\x0a\x04\x00\x05\x00\x00\x00\x03\x68\xc3\xa9'
seed run-rejected '\x00\x00\x00\x08\x12\x00\x00\x00\x03\x6e\x6f\x21'
seed client-hello '\x00\x00\x00\x1e\x01\x46\x4c\x4f\x54\x00\x01\x00\x01\x03\x00\x00\x00\x03\x63\x6c\x69\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
seed bundle-chunk '\x00\x00\x00\x15\x31\x00\x00\x00\x01\x63\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\xff\x00\x01'
seed job-started '\x00\x00\x00\x0f\x21\x00\x00\x00\x01\x72\x00\x00\x00\x01\x6a\x00\x00\x00\x01'
seed two-frames '\x00\x00\x00\x09\x03\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x09\x03\x00\x00\x00\x00\x00\x00\x00\x02'

exec "$out/fuzz-frame-decoder" "$corpus" -max_total_time="$seconds" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "$@"
