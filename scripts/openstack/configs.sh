# write_configs: the lab's keystone.conf, placement.conf, nova.conf, api-paste.ini and one
# host-<name>.conf per compute, all under $ETC. Sourced by scripts/openstack-up after common.sh.
# The services reuse the keystone admin user (a lab; no per-service users).

db_url() { echo "mysql+pymysql://$DB_USER:$DB_PASS@127.0.0.1:$MYSQL_PORT/$1"; }

# The [keystone_authtoken]-style block every service uses to reach Keystone.
auth_block() {
  cat <<CONF
auth_type = password
auth_url = http://127.0.0.1:$KEYSTONE_PORT/v3
username = admin
password = $ADMIN_PASSWORD
project_name = admin
user_domain_name = Default
project_domain_name = Default
region_name = $REGION
CONF
}

write_configs() {
  mkdir -p "$ETC/keystone" "$ETC/placement" "$ETC/nova"

  cat >"$ETC/keystone/keystone.conf" <<CONF
[DEFAULT]
use_stderr = true
[database]
connection = $(db_url keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $OS_DIR/keystone/fernet-keys
[fernet_receipts]
key_repository = $OS_DIR/keystone/fernet-keys
[credential]
key_repository = $OS_DIR/keystone/credential-keys
# An in-process cache: without one every request re-reads tokens, roles and the catalog from
# the database and costs ~1.3 s on a busy 2-core machine instead of ~0.05 s.
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt's default cost makes every password check ~0.3 s of CPU; a lab needs no such cost.
password_hash_rounds = 4
CONF

  cat >"$ETC/placement/placement.conf" <<CONF
[DEFAULT]
use_stderr = true
[placement_database]
connection = $(db_url placement)
[api]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KEYSTONE_PORT/v3
$(auth_block)
CONF

  # Nova's osapi_compute pipeline, keystone auth only.
  cat >"$ETC/nova/api-paste.ini" <<'CONF'
[composite:osapi_compute]
use = call:nova.api.openstack.urlmap:urlmap_factory
/: oscomputeversions
/v2: oscomputeversion_legacy_v2
/v2.1: oscomputeversion_v2
/v2/+: openstack_compute_api_v21_legacy_v2_compatible
/v2.1/+: openstack_compute_api_v21

[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit authtoken keystonecontext osapi_compute_app_v21

[composite:openstack_compute_api_v21_legacy_v2_compatible]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit authtoken keystonecontext legacy_v2_compatible osapi_compute_app_v21

[filter:request_log]
paste.filter_factory = nova.api.openstack.requestlog:RequestLog.factory

[filter:compute_req_id]
paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory

[filter:faultwrap]
paste.filter_factory = nova.api.openstack:FaultWrapper.factory

[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory

[filter:legacy_v2_compatible]
paste.filter_factory = nova.api.openstack:LegacyV2CompatibleWrapper.factory

[app:osapi_compute_app_v21]
paste.app_factory = nova.api.openstack.compute:APIRouterV21.factory

[pipeline:oscomputeversions]
pipeline = cors faultwrap request_log http_proxy_to_wsgi oscomputeversionapp

[pipeline:oscomputeversion_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi oscomputeversionapp_v2

[pipeline:oscomputeversion_legacy_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi legacy_v2_compatible oscomputeversionapp_v2

[app:oscomputeversionapp]
paste.app_factory = nova.api.openstack.compute.versions:Versions.factory

[app:oscomputeversionapp_v2]
paste.app_factory = nova.api.openstack.compute.versions:VersionsV2.factory

[filter:keystonecontext]
paste.filter_factory = nova.api.auth:NovaKeystoneContext.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = nova
CONF

  # report_interval/service_down_time short so a killed compute reads "down" within 20 s;
  # the fake driver names its node after [DEFAULT] host, so N computes share one box.
  cat >"$ETC/nova/nova.conf" <<CONF
[DEFAULT]
use_stderr = true
transport_url = rabbit://guest:guest@127.0.0.1:$RABBIT_PORT/
compute_driver = fake.FakeDriver
report_interval = 5
service_down_time = 20
heal_instance_info_cache_interval = -1
update_resources_interval = 10
graceful_shutdown_timeout = 5
# oslo.service delays the first periodic tasks by up to 60 s at random; host discovery in the
# scheduler is one of them, so a fresh compute would wait that long to be schedulable.
periodic_fuzzy_delay = 0
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $NOVA_PORT
osapi_compute_workers = 1
metadata_workers = 1
enabled_apis = osapi_compute
state_path = $OS_DIR/nova/state
instances_path = $OS_DIR/nova/instances
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
[api_database]
connection = $(db_url nova_api)
[database]
connection = $(db_url nova)
[oslo_concurrency]
lock_path = $OS_DIR/nova/lock
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KEYSTONE_PORT/v3
$(auth_block)
[placement]
$(auth_block)
[neutron]
$(auth_block)
[glance]
region_name = $REGION
[cinder]
os_region_name = $REGION
[scheduler]
discover_hosts_in_cells_interval = 2
workers = 1
[conductor]
workers = 1
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[quota]
instances = 1000
cores = 10000
ram = 10240000
CONF
}

# write_host_config HOST: the one thing that differs per nova-compute.
write_host_config() {
  local host=$1
  mkdir -p "$OS_DIR/nova/state-$host"
  cat >"$ETC/nova/host-$host.conf" <<CONF
[DEFAULT]
host = $host
state_path = $OS_DIR/nova/state-$host
CONF
}
