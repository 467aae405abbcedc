#!/usr/bin/env bash
# Runs a command with a throwaway Docker engine (PRODUCT.md §10): its own data root, exec root, pid file
# and socket in a temp folder, vfs storage, no iptables, no default bridge (tests use --network host, and
# another engine on this machine may own docker0). Before the command it builds, once per run, the images
# the Docker tests use and exports where they are:
#
#   PADDOCK_TEST_DOCKER_HOST (and DOCKER_HOST)   unix://<temp>/docker.sock
#   PADDOCK_TEST_RUNNER_IMAGE                    repository of the runner image, tags 1.4.0, 1.5.0 and 1.5.1–1.5.6
#                                                (an update's replacement is paddock-runner-{version}, one name per
#                                                engine: each test that updates has a version of its own)
#   PADDOCK_TEST_CONTROL_PLANE_IMAGE             the control-plane image
#
# Afterwards, whatever the command did, it removes every container, stops the engine and deletes its
# data. Under CI=true an engine that cannot start fails the run; elsewhere the command runs without one
# (the Docker tests then skip, saying so loudly). PADDOCK_TEST_DOCKER_IMAGES=runner builds the runner images
# only (the bench), =none none.
set -euo pipefail
cd "$(dirname "$0")/.."
docker=${PADDOCK_DOCKER_CLI:-/usr/bin/docker}
runner_image=paddock-test/runner
control_plane_image=paddock-test/control-plane:test

no_engine() {
  local why=$1; shift
  if [[ ${CI:-} == true ]]; then
    echo "with-docker: $why — under CI=true the Docker tests must run" >&2
    exit 1
  fi
  printf '\n!!! with-docker: %s\n!!! The Docker tests will SKIP. Run as root with docker.io installed to run them.\n\n' "$why" >&2
  exec "$@"
}
if [[ $(id -u) -ne 0 ]]; then no_engine "not root: cannot start a throwaway dockerd" "$@"; fi
if ! command -v dockerd >/dev/null || [[ ! -x $docker ]]; then no_engine "dockerd or $docker is missing (apt-get install -y docker.io)" "$@"; fi

dir=$(mktemp -d /tmp/paddock-docker.XXXXXX)
sock=$dir/docker.sock
# vfs copies every layer whole: a run leaves ~7 GB in hundreds of thousands of files, which take minutes to
# delete. On a loop-mounted file system of its own the data root goes with one unmount and one file.
mkdir "$dir/data"
if truncate -s 64G "$dir/data.img" && mkfs.ext4 -q -F -E lazy_itable_init=1 "$dir/data.img" >/dev/null 2>&1 &&
  mount -o loop "$dir/data.img" "$dir/data" 2>/dev/null; then
  :
else
  rm -f "$dir/data.img"
fi
echo '{}' >"$dir/daemon.json"
dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
  -H "unix://$sock" --storage-driver vfs --iptables=false --ip-masq=false --bridge none >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!

stop() {
  local status=$? t0=$SECONDS
  if kill -0 "$dockerd_pid" 2>/dev/null; then
    # Containers first (a few seconds at most), so that the engine's own shutdown has nothing to wait for.
    ids=$(DOCKER_HOST=unix://$sock "$docker" ps -aq 2>/dev/null || true)
    [[ -z $ids ]] || DOCKER_HOST=unix://$sock "$docker" rm -f $ids >/dev/null 2>&1 || true
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
  # The engine leaves mounts (network namespaces, shm) under its folders when killed hard.
  grep -o " $dir[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$dir"
  echo "with-docker: engine stopped and its data removed in $((SECONDS - t0)) s"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT TERM

export DOCKER_HOST=unix://$sock
for _ in $(seq 300); do
  "$docker" version >/dev/null 2>&1 && break
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    tail -n 20 "$dir/dockerd.log" >&2
    trap - EXIT; rm -rf "$dir"
    no_engine "dockerd did not start (its log is above)" "$@"
  fi
  sleep 0.1
done
"$docker" version >/dev/null || { tail -n 20 "$dir/dockerd.log" >&2; echo "with-docker: dockerd did not answer within 30 s" >&2; exit 1; }
export PADDOCK_TEST_DOCKER_HOST=$DOCKER_HOST
echo "Docker $("$docker" version --format '{{.Server.Version}}') on $DOCKER_HOST (throwaway, vfs)"

if [[ ${PADDOCK_TEST_DOCKER_IMAGES:-} != none ]]; then
  t0=$SECONDS
  bash scripts/docker-base-image.sh
  build() { DOCKER_BUILDKIT=1 "$docker" build --quiet --network host "$@" . >/dev/null; }
  # Every later version reuses each layer of 1.4.0 up to the version's ENV: those builds take a second each.
  for v in 1.4.0 1.5.0 1.5.1 1.5.2 1.5.3 1.5.4 1.5.5 1.5.6; do
    s=$SECONDS; build -f deploy/docker/Dockerfile --build-arg RUNNER_VERSION=$v -t $runner_image:$v
    echo "built $runner_image:$v in $((SECONDS - s)) s"
  done
  export PADDOCK_TEST_RUNNER_IMAGE=$runner_image
  if [[ ${PADDOCK_TEST_DOCKER_IMAGES:-} != runner ]]; then
    s=$SECONDS; build -f deploy/docker/Dockerfile.control-plane -t $control_plane_image
    echo "built $control_plane_image in $((SECONDS - s)) s"
    export PADDOCK_TEST_CONTROL_PLANE_IMAGE=$control_plane_image
  fi
  echo "Docker images ready in $((SECONDS - t0)) s"
fi

"$@"
