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

keystone_db() {
  local manage=(timeout 300 keystone-manage --config-file "$ETC/keystone/keystone.conf")
  mkdir -p "$OS_DIR/keystone"
  "${manage[@]}" db_sync &&
    "${manage[@]}" fernet_setup --keystone-user root --keystone-group root &&
    "${manage[@]}" credential_setup --keystone-user root --keystone-group root &&
    OS_BOOTSTRAP_PASSWORD=$ADMIN_PASSWORD "${manage[@]}" bootstrap \
      --bootstrap-admin-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
      --bootstrap-internal-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
      --bootstrap-public-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
      --bootstrap-region-id "$REGION"
}

placement_db() { timeout 300 placement-manage --config-file "$ETC/placement/placement.conf" db sync; }

nova_db() {
  local manage=(timeout 300 "$PY" "$OS_HELPERS/novacmd.py" manage --config-file "$ETC/nova/nova.conf")
  "${manage[@]}" api_db sync &&
    "${manage[@]}" cell_v2 map_cell0 --database_connection "$(db_url nova_cell0)" &&
    { "${manage[@]}" cell_v2 create_cell --name cell1 || (($? == 2)); } &&
    "${manage[@]}" db sync
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
