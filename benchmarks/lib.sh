# Shared by the benchmark scripts (sourced): loopback ports, a fresh Tansu broker, topics, and a
# loopback nginx receiver. Expects TANSU (the broker binary) to be set before `fresh_broker`.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

TANSU_PID=""
# (Re)starts an empty Tansu broker on a free loopback port (sets BOOTSTRAP and TANSU_PID): it
# keeps everything in memory and slows as it fills.
fresh_broker() {
  if [ -n "$TANSU_PID" ]; then kill -9 "$TANSU_PID" 2>/dev/null || true; wait "$TANSU_PID" 2>/dev/null || true; fi
  PORT=$(free_port); BOOTSTRAP="127.0.0.1:$PORT"
  "$TANSU" broker --listener-url "tcp://$BOOTSTRAP" --advertised-listener-url "tcp://$BOOTSTRAP" \
    --storage-engine memory://tansu/ --silent &
  TANSU_PID=$!
  wait_port "$PORT"
}
topic() { "$TANSU" topic create "$1" --broker "tcp://$BOOTSTRAP" --partitions "$2" >/dev/null; }

# Writes DIR/nginx.conf: one worker on 127.0.0.1:PORT, long keep-alive, whose `location /`
# block is LOCATION (default: answer 200); HTTP_LINES go into the http block (default: no
# access log). Start it with: nginx -c DIR/nginx.conf -e DIR/error.log &
nginx_conf() {
  local dir=$1 port=$2 location=${3:-"return 200;"} http=${4:-"access_log off;"}
  mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<NGINX
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
  $http
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$port; location / { $location } }
}
NGINX
}
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
