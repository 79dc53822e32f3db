# nginx for the cluster test; source this file, then call nginx_install. The test starts its own nginx (with the
# shipped docker/nginx.conf, in a temporary folder, on a free loopback port) and stops it by its pid.
#
#   nginx_install        installs Debian's nginx when it is missing, without letting the package start a server;
#                        sets NGINX_BIN

NGINX_BIN=

nginx_install() {
  if ! command -v nginx >/dev/null 2>&1; then
    local guard=/usr/sbin/policy-rc.d placed=0
    # Package scripts ask policy-rc.d before they start a service: 101 means "not now".
    if [ ! -e "$guard" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod 755 "$guard" && placed=1
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null 2>&1
    [ "$placed" -eq 1 ] && rm -f "$guard"
  fi
  NGINX_BIN=$(command -v nginx 2>/dev/null || true)
  [ -n "$NGINX_BIN" ] || { echo "could not install nginx" >&2; return 1; }
}
