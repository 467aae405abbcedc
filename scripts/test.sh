#!/usr/bin/env bash
# The whole test suite: types, lint, unit/component/store tests (PGlite and PostgreSQL), build, e2e, and
# the Docker tests on a throwaway engine with the images built once for the run (scripts/with-docker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
echo "== type check";  npx tsc --noEmit
echo "== lint";        npx biome check .
echo "== build";       npx vite build --logLevel warn
# Both suites run whatever the first found; either failing fails the run (a bash -c without this
# once answered for the last command only, so a vitest failure passed when the e2e suite did).
bash scripts/with-postgres.sh bash scripts/with-docker.sh bash -c '
  status=0
  echo "== unit, component and store tests"; npx vitest run || status=1
  echo "== end-to-end (Chromium)";           npx playwright test || status=1
  exit $status
'
