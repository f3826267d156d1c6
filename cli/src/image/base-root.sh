#!/usr/bin/env bash
# Assembles the image's base layer (Jib's extra directory on top of `scratch`) from the build
# machine, since the image must build without a container registry (ADR 0080):
#   /opt/java/openjdk   a Java 17 runtime cut with jlink to the modules Vigil uses (the same path
#                       as eclipse-temurin images, so -Dvigil.image.base=eclipse-temurin:17-jre works too)
#   /lib/x86_64-linux-gnu, /lib64   glibc and the C++ runtime the JVM and RocksDB's JNI library need
#   /etc/passwd, /etc/group         user vigil, uid/gid 10001, home /var/lib/vigil
#   /tmp, /var/lib/vigil/state      writable by any uid (mode 777, set in the Jib configuration: Jib has no sticky bit)
# Usage: base-root.sh OUTPUT_DIR
set -euo pipefail
root="$1"
modules="java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.rmi,\
java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.charsets,jdk.crypto.ec,jdk.httpserver,\
jdk.jfr,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"

rm -rf "$root"
mkdir -p "$root/opt/java" "$root/etc" "$root/tmp" "$root/var/lib/vigil/state" "$root/lib64" "$root/lib/x86_64-linux-gnu"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$root/opt/java/openjdk"

cache="$(ldconfig -p)"
for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 \
    libnss_files.so.2 libnss_dns.so.2 libz.so.1 libgcc_s.so.1 libstdc++.so.6; do
  src="$(awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}' <<< "$cache")"
  if [ -z "$src" ]; then
    echo "base-root.sh: $lib not found on this machine" >&2
    exit 1
  fi
  cp -L "$src" "$root/lib/x86_64-linux-gnu/$lib"
done
cp -L "$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$root/lib64/ld-linux-x86-64.so.2"

printf 'root:x:0:0:root:/root:/sbin/nologin\nvigil:x:10001:10001:vigil:/var/lib/vigil:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nvigil:x:10001:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
