#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine: copies exactly what its build stage
# COPYs into a temporary directory, runs its RUN line there, assembles the runtime stage
# from the `COPY --from=build` lines, then starts `codeq serve` from the runtime directory
# and enqueues one task with the CLI. A file the build needs but the Dockerfile does not
# copy fails here as it would fail `docker build`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dockerfile="$root/Dockerfile"
work="$(mktemp -d "${TMPDIR:-/tmp}/codeq-container.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
build="$work/build"
runtime="$work/runtime"
mkdir -p "$build" "$runtime"

# The build stage: every COPY and RUN between the first FROM and the second.
stage=0
while IFS= read -r line; do
  case "$line" in
    FROM*) stage=$((stage + 1)); continue ;;
  esac
  read -r -a words <<<"$line"
  [ "${#words[@]}" -gt 0 ] || continue
  if [ "$stage" = 1 ] && [ "${words[0]}" = COPY ]; then
    # COPY src... dest: dest ending in / (or ./) takes the sources by name.
    dest="${words[-1]}"
    for src in "${words[@]:1:${#words[@]}-2}"; do
      if [ "$dest" = "./" ]; then target="$build/$(basename "$src")"; else target="$build/${dest#./}"; fi
      mkdir -p "$(dirname "$target")"
      cp -R "$root/$src" "$target"
    done
  elif [ "$stage" = 1 ] && [ "${words[0]}" = RUN ]; then
    echo "check-container: RUN ${line#RUN }"
    (cd "$build" && bash -euo pipefail -c "${line#RUN }")
  elif [ "$stage" = 2 ] && [ "${words[0]}" = COPY ] && [ "${words[1]}" = --from=build ]; then
    src="${words[2]#/app/}"
    dest="${words[3]}"
    if [ "$dest" = "./" ]; then target="$runtime/$(basename "$src")"; else target="$runtime/${dest#./}"; fi
    cp -R "$build/$src" "$target"
  fi
done < <(grep -E '^(FROM|COPY|RUN) ' "$dockerfile")

# The runtime image holds no bench, no tests and no dev dependencies.
for absent in dist/bench test bench node_modules/vitest node_modules/typescript; do
  if [ -e "$runtime/$absent" ]; then echo "check-container: the runtime image holds $absent" >&2; exit 1; fi
done

cd "$runtime"
log="$work/serve.log"
NODE_ENV=production node dist/src/cli/main.js serve --listen 127.0.0.1:0 >"$log" 2>&1 &
server_pid=$!
address=""
for _ in $(seq 1 100); do
  address="$(sed -n 's/.* serving on \([^ ]*\) .*/\1/p' "$log" | head -n 1)"
  [ -n "$address" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$address" ]; then
  echo "check-container: the server did not start:" >&2
  cat "$log" >&2
  exit 1
fi
task_id="$(node dist/src/cli/main.js enqueue container-check --payload hello --server "$address")"
node dist/src/cli/main.js get container-check "$task_id" --server "$address" | grep -q '"state": "PENDING"'
echo "check-container: ok: built, served on $address, enqueued task $task_id"
