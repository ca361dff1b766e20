#!/usr/bin/env bash
# fuzz/run.sh SECONDS [TARGET...]: runs each target (all by default) for
# SECONDS, one after another, and turns every distinct crash into a
# regression input in tests/testdata/fuzz/<target>/, which
# tests/fuzz_regressions.rs replays. Prints executions and crashes per
# target. Needs cargo-fuzz (cargo install cargo-fuzz --locked); stable Rust.
#
# FUZZ_DEV=1 builds without optimisation (a quicker build, slower runs,
# for a quick look). FUZZ_JOBS, the number of fuzzing processes, defaults to 1.
set -euo pipefail
cd "$(dirname "$0")"

secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load resource_list manifests render)
command -v cargo-fuzz >/dev/null 2>&1 || {
  echo "fuzz/run.sh: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
}

build=(-s none -a)
profile=release
if [ -n "${FUZZ_DEV:-}" ]; then
  build+=(--dev)
  profile=debug
fi
bash seed.sh >/dev/null
cargo fuzz build "${build[@]}"
triple=$(rustc -vV | sed -n 's/^host: //p')
bin=target/$triple/$profile
regressions=../tests/testdata/fuzz

# The place a crash panics at (file:line:col), or the kind of failure.
signature() {
  local out
  out=$("$bin/$1" "$2" 2>&1 || true)
  sed -n "s/^thread '.*' ([0-9]*) panicked at \([^ ]*\):$/\1/p; s/^thread '.*' panicked at \([^ ]*\):$/\1/p" <<<"$out" | head -n1 | grep . ||
    sed -n 's/^==[0-9]*== ERROR: libFuzzer: \([a-z-]*\).*/\1/p' <<<"$out" | head -n1 | grep . ||
    echo unknown
}

summary=()
status=0
for t in "${targets[@]}"; do
  artifacts=artifacts/$t
  rm -rf "$artifacts"
  mkdir -p "$artifacts" "corpus/$t"
  log=artifacts/$t.log
  echo "fuzz/run.sh: $t for ${secs}s" >&2
  "$bin/$t" -fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
    -artifact_prefix="$artifacts/" "corpus/$t" >"$log" 2>&1 || true
  # Fork mode's status lines: "#EXECS: cov: ... oom/timeout/crash: O/T/C time: S ...".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n1 || true)
  execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
  failures=$(sed -n 's|.*oom/timeout/crash: \([0-9/]*\).*|\1|p' <<<"$last")
  seen=()
  new=0
  for f in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/slow-unit-*; do
    [ -f "$f" ] || continue
    sig=$(signature "$t" "$f")
    case " ${seen[*]-} " in *" $sig "*) continue ;; esac
    seen+=("$sig")
    mkdir -p "$regressions/$t"
    name=$(basename "$f")
    if [ ! -e "$regressions/$t/$name" ]; then
      cp "$f" "$regressions/$t/$name"
      new=$((new + 1))
      echo "fuzz/run.sh: $t: $sig -> tests/testdata/fuzz/$t/$name" >&2
    fi
  done
  [ "$new" -eq 0 ] || status=1
  summary+=("$t: ${execs:-0} executions in ${secs}s, oom/timeout/crash ${failures:-0/0/0}, distinct ${#seen[@]}, new regression inputs $new")
done
printf 'fuzz/run.sh: %s\n' "${summary[@]}"
exit "$status"
