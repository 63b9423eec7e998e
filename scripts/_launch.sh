# Sourced by the scripts: builds the launcher on first use (or when sources changed), then
# runs a subcommand of org.jipython.launcher.Main in this process (exec, so signals reach it).
set -euo pipefail
JIPYTHON_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR="$JIPYTHON_HOME/launcher/target/jipython-launcher.jar"
LIB="$JIPYTHON_HOME/launcher/target/lib"

jipython_build_if_needed() {
  local stale=""
  if [[ ! -f "$JAR" || ! -d "$LIB" ]]; then
    stale=yes
  elif [[ -n $(find "$JIPYTHON_HOME"/{runtime,actors,launcher}/src "$JIPYTHON_HOME"/{runtime,actors,launcher}/pom.xml "$JIPYTHON_HOME/pom.xml" -newer "$JAR" -type f -print -quit 2>/dev/null) ]]; then
    stale=yes
  fi
  if [[ -n "$stale" ]]; then
    command -v mvn >/dev/null || { echo "jipython: Maven (mvn) is needed to build; install it (apt-get install maven)" >&2; exit 2; }
    echo "jipython: building (first use or sources changed)..." >&2
    ( cd "$JIPYTHON_HOME" && flock "$JIPYTHON_HOME/.build.lock" \
        mvn -q -B install -DskipTests -pl launcher -am ) >&2
  fi
}

jipython_exec() {
  local role=$1; shift
  jipython_build_if_needed
  local opts_var="JIPYTHON_${role^^}_JAVA_OPTS"
  local defaults
  case "$role" in
    engine) defaults="-Xms64m -Xmx1g -Xss4m -XX:+UseSerialGC" ;;
    console) defaults="-Xms64m -Xmx1g -Xss4m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" ;;
    *) defaults="-Xms64m -Xmx1g -XX:+UseSerialGC" ;;
  esac
  # shellcheck disable=SC2086
  exec java ${!opts_var:-$defaults} \
    -Dlogback.configurationFile="$JIPYTHON_HOME/conf/logback.xml" \
    -Dconfig.file="$JIPYTHON_HOME/conf/$role.conf" \
    -cp "$JAR:$LIB/*" org.jipython.launcher.Main "$@"
}
