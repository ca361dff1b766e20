#!/usr/bin/env bash
# Writes the seed corpora, fuzz/corpus/<target>/, from the repository's own
# fixtures in the form each target reads (see fuzz/src/*.rs), plus the few
# hand-written seeds in fuzz/seeds/<target>/. Seeds are named by their
# content, so running this again adds nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
data=tests/testdata

put() { # put TARGET < bytes
  local tmp sum
  tmp=$(mktemp)
  cat >"$tmp"
  sum=$(sha1sum "$tmp" | cut -c1-16)
  mkdir -p "$out/$1"
  mv "$tmp" "$out/$1/seed-$sum"
}

# Every intent: the overlays with the ALT_LAS base, the example, every
# render case.
intents=(overlays/*/netpolset.yaml examples/kpt/netpolset.yaml "$data"/render/*/netpolset.yaml)

# load: the intent, NUL, its base (its `base:` pointed at the base's place).
for top in "${intents[@]}"; do
  dir=$(dirname "$top")
  base=$(sed -n 's/^  base: *//p' "$top" | head -n1)
  if [ -n "$base" ] && [ -f "$dir/$base" ]; then
    { sed 's|^  base: .*|  base: ../../base/netpolset.yaml|' "$top"; printf '\0'; cat "$dir/$base"; } | put load
  else
    put load <"$top"
  fi
done

# render: mode byte 1, the intent, and for each custom template
# NUL name NUL text.
for top in "${intents[@]}"; do
  dir=$(dirname "$top")
  case "$top" in overlays/*) continue ;; esac
  { printf '\1'; cat "$top"; } | put render
  for tpl in "$dir"/tpl/*.yaml.j2; do
    [ -f "$tpl" ] || continue
    { printf '\1'; cat "$top"; printf '\0%s\0' "$(basename "$tpl")"; cat "$tpl"; } | put render
  done
done

# manifests: every manifest fixture of analyze, lint and diff.
find "$data/analyze" "$data/lint" "$data/diff" -type f \
  \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 |
  while IFS= read -r -d '' f; do put manifests <"$f"; done

# resource_list: the KRM cases' stdin, and every intent as the
# functionConfig of a ResourceList whose items are the ALT_LAS workloads.
for f in "$data"/krm/*/*.stdin; do put resource_list <"$f"; done
items=$(awk '/^#/ {next} /^---/ {start=1; next} { if (start) { print "- " $0; start=0 } else if (NR==1) { print "- " $0 } else { print "  " $0 } }' "$data/analyze/alt-las-prod/workloads.yaml")
for top in "${intents[@]}"; do
  { printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n%s\nfunctionConfig:\n' "$items"
    sed 's/^/  /' "$top"; } | put resource_list
done

# The hand-written seeds.
for dir in fuzz/seeds/*/; do
  target=$(basename "$dir")
  for f in "$dir"*; do put "$target" <"$f"; done
done

for target in load resource_list manifests render; do
  echo "seed.sh: $target: $(find "$out/$target" -type f | wc -l) seeds"
done
