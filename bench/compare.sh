#!/bin/sh
# Runs `tifa bench` and the regex baseline script on the same corpus, one
# after the other on the same machine, and prints the throughput ratio;
# then times `tifa extract` end to end (loading, reading, JSON Lines) with
# one and all threads against the script's wall time.
#
#   bench/compare.sh CORPUS [BASELINE_SCRIPT]
#
# TIFA: the tifa binary (default: build and use target/release/tifa).
# BASELINE_SCRIPT defaults to ../shared/bench/regex_baseline.py.
set -eu
corpus=${1:?usage: bench/compare.sh CORPUS [BASELINE_SCRIPT]}
here=$(cd "$(dirname "$0")/.." && pwd)
baseline=${2:-$here/../shared/bench/regex_baseline.py}
if [ -z "${TIFA:-}" ]; then
    cargo build --release --quiet --manifest-path "$here/Cargo.toml"
    TIFA=${CARGO_TARGET_DIR:-$here/target}/release/tifa
fi

bytes=$(find "$corpus" -type f ! -name '.*' -exec cat {} + | wc -c)
echo "corpus: $corpus, $bytes bytes"

out=$("$TIFA" bench "$corpus")
echo "$out"
tifa1=$(echo "$out" | sed -n 's/^extract, 1 thread(s): \([0-9.]*\) MB\/s.*/\1/p')

# The script: wall time and CPU time of one process (it is single-threaded).
start=$(date +%s.%N)
times_before=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
python3 "$baseline" "$corpus" > /dev/null
end=$(date +%s.%N)
times_after=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
py=$(echo "$bytes $start $end" | awk '{printf "%.2f", $1 / 1e6 / ($3 - $2)}')
pycpu=$(echo "$bytes $times_before $times_after" | awk '{t = ($3 - $2) / 100; if (t <= 0) t = 0.01; printf "%.2f", $1 / 1e6 / t}')
echo "regex script, 1 thread: $py MB/s, $pycpu MB per CPU second"
echo "$tifa1 $py" | awk '{printf "ratio tifa (1 thread) / regex script: %.1fx\n", $1 / $2}'
tifacpu=$(echo "$out" | sed -n 's/^extract, 1 thread(s): .* \([0-9.]*\) MB per CPU second.*/\1/p')
if [ -n "$tifacpu" ]; then
    echo "$tifacpu $pycpu" | awk '{printf "ratio per CPU second: %.1fx\n", $1 / $2}'
fi

# End to end, as a user runs both: tifa extract (loading its packs,
# reading, extracting and printing JSON Lines) against the script's wall
# time above.
for threads in 1 0; do
    start=$(date +%s.%N)
    "$TIFA" extract "$corpus" --format jsonl --quiet -j "$threads" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    shown=$([ "$threads" = 0 ] && echo "all" || echo "$threads")
    echo "$start $end $py $bytes $shown" | awk '{t = $2 - $1; s = $4 / 1e6 / $3; printf "end to end, tifa extract (%s thread(s)): %.2f s, regex script: %.2f s, ratio %.1fx\n", $5, t, s, s / t}'
done
