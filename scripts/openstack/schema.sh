# The cold-start database work of scripts/openstack-up: the lab's databases and user, then
# Keystone's, Placement's and Nova's schema migrations and bootstrap. A warm start restores
# the datadir these produced instead, so this file (with configs.sh and the package versions)
# is what the snapshot's key is made of. Sourced after common.sh and configs.sh.

create_databases() {
  mysql_root <<SQL
CREATE DATABASE keystone; CREATE DATABASE placement; CREATE DATABASE nova_api;
CREATE DATABASE nova; CREATE DATABASE nova_cell0;
CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
CREATE USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON *.* TO '$DB_USER'@'127.0.0.1'; GRANT ALL ON *.* TO '$DB_USER'@'localhost';
SQL
}

# step NAME COMMAND...: runs one step with its start and end time in the log (where the
# minutes of a cold start go).
step() {
  local name=$1 status=0
  shift
  echo "== $name: start $(date -u +%T.%3N)"
  "$@" || status=$?
  echo "== $name: end $(date -u +%T.%3N) (exit $status)"
  return $status
}

keystone_db() {
  local manage=(timeout 300 keystone-manage --config-file "$ETC/keystone/keystone.conf") keys
  mkdir -p "$OS_DIR/keystone"
  # The key repositories need no database: made while db_sync runs.
  { step fernet_setup "${manage[@]}" fernet_setup --keystone-user root --keystone-group root &&
    step credential_setup "${manage[@]}" credential_setup --keystone-user root --keystone-group root; } & keys=$!
  step db_sync "${manage[@]}" db_sync && wait $keys &&
    OS_BOOTSTRAP_PASSWORD=$ADMIN_PASSWORD step bootstrap "${manage[@]}" bootstrap \
      --bootstrap-admin-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
      --bootstrap-internal-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
      --bootstrap-public-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
      --bootstrap-region-id "$REGION"
}

placement_db() { step db_sync timeout 300 placement-manage --config-file "$ETC/placement/placement.conf" db sync; }

nova_db() {
  local manage=(timeout 300 "$PY" "$OS_HELPERS/novacmd.py" manage --config-file "$ETC/nova/nova.conf")
  step api_db_sync "${manage[@]}" api_db sync &&
    step map_cell0 "${manage[@]}" cell_v2 map_cell0 --database_connection "$(db_url nova_cell0)" &&
    { step create_cell "${manage[@]}" cell_v2 create_cell --name cell1 || (($? == 2)); } &&
    step db_sync "${manage[@]}" db sync
}

# The three migrations are independent: side by side, each with its own log.
migrate_schemas() {
  local kpid ppid npid failed=() f
  keystone_db >"$LOGS/keystone-db.log" 2>&1 & kpid=$!
  placement_db >"$LOGS/placement-db.log" 2>&1 & ppid=$!
  nova_db >"$LOGS/nova-db.log" 2>&1 & npid=$!
  wait $kpid || failed+=(keystone)
  wait $ppid || failed+=(placement)
  wait $npid || failed+=(nova)
  for f in "${failed[@]}"; do tail -n 20 "$LOGS/$f-db.log" >&2; done
  ((${#failed[@]} == 0)) || die "database setup failed: ${failed[*]} (logs in $LOGS)"
}

# ---- Keystone over HTTP: the admin token and the seeding that goes into the snapshot -------

KEYSTONE=http://127.0.0.1:$KEYSTONE_PORT/v3
TOKEN=

# api METHOD URL [JSON]: one call with the admin token ($TOKEN); the body on stdout.
api() {
  local method=$1 url=$2 body=${3:-}
  local args=(-sS -m 30 --fail-with-body -X "$method" -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json')
  [[ -n $body ]] && args+=(--data "$body")
  curl "${args[@]}" "$url"
}

admin_token() {
  curl -sS -m 30 --fail-with-body -D - -o /dev/null -H 'Content-Type: application/json' --data \
    "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"},\"password\":\"$ADMIN_PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"}}}}}" \
    "$KEYSTONE/auth/tokens" | awk -F': ' 'tolower($1) == "x-subject-token" { sub(/\r$/, "", $2); print $2 }'
}

keystone_answers() { curl -sf -m 5 "$KEYSTONE" >/dev/null; }

start_keystone() {
  spawn keystone env OS_KEYSTONE_CONFIG_DIR="$ETC/keystone" OS_KEYSTONE_CONFIG_FILES=keystone.conf \
    "$PY" "$OS_HELPERS/wsgi_serve.py" $KEYSTONE_PORT keystone.server.wsgi:initialize_public_application
}

add_service() {
  local type=$1 name=$2 url=$3 id iface
  id=$(api POST "$KEYSTONE/services" "{\"service\":{\"type\":\"$type\",\"name\":\"$name\"}}" | jq -r .service.id)
  for iface in public internal admin; do
    api POST "$KEYSTONE/endpoints" \
      "{\"endpoint\":{\"service_id\":\"$id\",\"interface\":\"$iface\",\"url\":\"$url\",\"region_id\":\"$REGION\"}}" >/dev/null
  done
}

# seed_keystone FILE: the catalog (nova finds placement, glance and neutron through it), a
# second project and user (demo, role member) and the admin's application credential. Each
# call costs Keystone a second or two on a busy 2-core machine, hence done once per snapshot.
# The ids go to FILE (sourced by later starts).
seed_keystone() {
  local file=$1 demo_project demo_user member admin_user admin_project secret appcred
  TOKEN=$(admin_token)
  [[ -n $TOKEN ]] || die "no admin token from Keystone"
  add_service compute nova "http://127.0.0.1:$NOVA_PORT/v2.1"
  add_service placement placement "http://127.0.0.1:$PLACEMENT_PORT"
  add_service image glance "http://127.0.0.1:$GLANCE_PORT"
  add_service network neutron "http://127.0.0.1:$NEUTRON_PORT"
  demo_project=$(api POST "$KEYSTONE/projects" '{"project":{"name":"demo","domain_id":"default"}}' | jq -r .project.id)
  demo_user=$(api POST "$KEYSTONE/users" \
    "{\"user\":{\"name\":\"demo\",\"domain_id\":\"default\",\"password\":\"$DEMO_PASSWORD\",\"default_project_id\":\"$demo_project\"}}" |
    jq -r .user.id)
  member=$(api GET "$KEYSTONE/roles?name=member" | jq -r '.roles[0].id')
  api PUT "$KEYSTONE/projects/$demo_project/users/$demo_user/roles/$member" >/dev/null
  admin_user=$(api GET "$KEYSTONE/users?name=admin" | jq -r '.users[0].id')
  admin_project=$(api GET "$KEYSTONE/projects?name=admin" | jq -r '.projects[0].id')
  secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  appcred=$(api POST "$KEYSTONE/users/$admin_user/application_credentials" \
    "{\"application_credential\":{\"name\":\"nova-ha\",\"secret\":\"$secret\",\"description\":\"nova-ha lab\"}}" |
    jq -r .application_credential.id)
  [[ $appcred =~ ^[0-9a-f]{32}$ ]] || die "no application credential from Keystone"
  (
    umask 077
    printf 'DEMO_PROJECT=%s\nDEMO_USER=%s\nADMIN_USER=%s\nADMIN_PROJECT=%s\nAPPCRED_ID=%s\nAPPCRED_SECRET=%s\n' \
      "$demo_project" "$demo_user" "$admin_user" "$admin_project" "$appcred" "$secret" >"$file"
  )
}
